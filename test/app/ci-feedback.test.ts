import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, makeRemote } from '../helpers/git-remote.js';
import { accessTokenRoute, githubMock, type Handler } from '../helpers/github-mock.js';
import { checkSuitePayload, commentPayload, labeledPayload, workflowRunPayload } from '../helpers/payloads.js';
import { claudeLines, happyGitHub, jobsCreated, R, resetNock, startApp, statusEdits, type Harness } from './harness.js';

/**
 * CI feedback (`ciFix`) on the app's own PR #42. The remote git repository plays GitHub's, with
 * the PR branch at the commit the first run made; nock answers the REST calls, including the
 * Actions and Checks APIs.
 */
const BRANCH = 'agent/1-spelling-error-in-the-readme-file';
const REF = `${R}/git/ref/heads%2F${encodeURIComponent(BRANCH)}`;
const REF_UPDATE = `${R}/git/refs/heads%2F${encodeURIComponent(BRANCH)}`;
const PR = 42;
const RUN = 30433642;
const FAILING_LOG = [
  '2026-12-03T10:00:00.0000000Z ##[group]Run npm test',
  '2026-12-03T10:00:01.0000000Z > vitest run',
  '2026-12-03T10:00:02.0000000Z FAIL test/pager.test.ts > last page',
  '2026-12-03T10:00:02.1000000Z AssertionError: expected 9 to be 10',
  '2026-12-03T10:00:03.0000000Z ##[error]Process completed with exit code 1.',
].join('\n');

/** A remote whose PR branch is one commit ahead of master: the commit of the first run. */
function remoteWithPrBranch() {
  const remote = makeRemote({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
  git(remote.dir, 'checkout', '-q', '-b', BRANCH);
  git(remote.dir, 'commit', '-q', '--allow-empty', '-m', 'the first run');
  const head = git(remote.dir, 'rev-parse', 'HEAD');
  git(remote.dir, 'checkout', '-q', 'master');
  return { ...remote, head };
}

/** The first run: label → PR #42, whose commit is the branch head in the remote. */
async function firstRun(h: Harness, remote: { url: string; head: string }, config: string) {
  const gh = happyGitHub({
    [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, config],
    [`POST ${R}/git/commits`]: () => [201, { sha: remote.head }],
  });
  await h.probot.receive({
    id: 'first',
    name: 'issues',
    payload: labeledPayload('agent', { cloneUrl: remote.url }) as never,
  });
  await h.app.idle();
  expect(statusEdits(gh).at(-1)).toMatch(/Opened pull request #42/);
  resetNock();
}

/** GitHub's answers while a CI fix attempt runs on PR #42 (head `head`), its commit `fix-commit-sha`. */
function attemptRoutes(head: string, log: string, runId = RUN): Record<string, Handler> {
  return {
    'POST /app/installations/1/access_tokens': accessTokenRoute(),
    [`GET ${R}/actions/runs/${runId}/jobs`]: () => [
      200,
      {
        total_count: 2,
        jobs: [
          { id: 501, name: 'lint', conclusion: 'success', html_url: 'https://github.com/j/501' },
          { id: 502, name: 'test', conclusion: 'failure', html_url: 'https://github.com/j/502' },
        ],
      },
    ],
    [`GET ${R}/actions/jobs/502/logs`]: () => [200, log, { 'content-type': 'text/plain' }],
    [`GET ${R}/pulls/${PR}`]: () => [
      200,
      {
        number: PR,
        state: 'open',
        title: 'Spelling error in the README file',
        body: '<!-- issue-agent:summary:start -->\nold\n<!-- issue-agent:summary:end -->\n\nCloses #1',
        html_url: `https://github.com/Codertocat/Hello-World/pull/${PR}`,
        head: { ref: BRANCH, sha: head, repo: { full_name: 'Codertocat/Hello-World' } },
      },
    ],
    [`POST ${R}/issues/${PR}/comments`]: () => [201, { id: 2001 }],
    [`PATCH ${R}/issues/comments/2001`]: () => [200, {}],
    [`GET ${REF}`]: () => [200, { object: { sha: head } }],
    [`POST ${R}/git/trees`]: () => [201, { sha: 'fix-tree-sha' }],
    [`POST ${R}/git/commits`]: () => [201, { sha: 'fix-commit-sha' }],
    [`PATCH ${REF_UPDATE}`]: () => [200, {}],
    [`PATCH ${R}/pulls/${PR}`]: () => [200, {}],
    [`POST ${R}/check-runs`]: () => [201, { id: 77 }],
    [`PATCH ${R}/check-runs/77`]: () => [200, {}],
  };
}

/** Every call of one fix attempt, sorted: reading the failure, the status comment, the follow-up's commit. */
function attemptCalls(
  gh: ReturnType<typeof githubMock>,
  reading = [`GET ${R}/actions/runs/${RUN}/jobs`, `GET ${R}/actions/jobs/502/logs`],
) {
  return [
    ...reading,
    `GET ${R}/pulls/${PR}`, // still open, still at the failing commit
    `POST ${R}/issues/${PR}/comments`,
    ...Array<string>(gh.bodiesOf('PATCH', `${R}/issues/comments/2001`).length).fill(`PATCH ${R}/issues/comments/2001`),
    'POST /app/installations/1/access_tokens', // the read-only clone token
    `GET ${REF}`,
    `POST ${R}/git/trees`,
    `POST ${R}/git/commits`,
    `PATCH ${REF_UPDATE}`,
    `GET ${R}/pulls/${PR}`,
    `PATCH ${R}/pulls/${PR}`,
    `POST ${R}/check-runs`,
    `PATCH ${R}/check-runs/77`,
  ].sort();
}

function run(h: Harness, id: string, o: Parameters<typeof workflowRunPayload>[0]) {
  return h.probot.receive({ id, name: 'workflow_run', payload: workflowRunPayload(o) as never });
}

const prompt = (h: Harness) => readFileSync(join(h.agentBin, 'record', 'stdin'), 'utf8');
const argv = (h: Harness) => readFileSync(join(h.agentBin, 'record', 'argv'), 'utf8');

describe('CI feedback on the app’s pull requests', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('failure → the failed jobs re-run → failure again → a fix commit in the resumed session → success ends it', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Fixed the last page.') });
    await firstRun(h, remote, 'ciFix:\n  attempts: 2\nfollowUps:\n  keepSandboxMinutes: 5\n');
    const cloneUrl = remote.url;

    // The first failure on the app's commit: only the failed jobs are re-run, nothing else.
    const rerun = githubMock({ [`POST ${R}/actions/runs/${RUN}/rerun-failed-jobs`]: () => [201, {}] });
    await run(h, 'ci-1', {
      cloneUrl,
      headSha: remote.head,
      conclusion: 'failure',
      runId: RUN,
      runAttempt: 1,
      prNumber: PR,
    });
    await h.app.idle();
    expect(rerun.lines()).toEqual([`POST ${R}/actions/runs/${RUN}/rerun-failed-jobs`]);
    expect(await jobsCreated(h)).toBe(1);
    resetNock();

    // It fails again: the failing job's log goes to the agent as a follow-up on the PR.
    const gh = githubMock(attemptRoutes(remote.head, FAILING_LOG));
    await run(h, 'ci-2', {
      cloneUrl,
      headSha: remote.head,
      conclusion: 'failure',
      runId: RUN,
      runAttempt: 2,
      prNumber: PR,
    });
    await h.app.idle();
    // Read the failure, check the PR still ends at that commit, acknowledge; then the run's own calls.
    expect(gh.lines().slice(0, 4)).toEqual([
      `GET ${R}/actions/runs/${RUN}/jobs`,
      `GET ${R}/actions/jobs/502/logs`,
      `GET ${R}/pulls/${PR}`,
      `POST ${R}/issues/${PR}/comments`,
    ]);
    expect([...gh.lines()].sort()).toEqual(attemptCalls(gh));
    expect(gh.bodiesOf('POST', `${R}/issues/${PR}/comments`)).toEqual([
      { body: expect.stringContaining(`CI failed on ${remote.head.slice(0, 7)}: fix attempt 1 of 2`) },
    ]);
    expect(gh.bodiesOf('POST', `${R}/git/commits`)).toEqual([expect.objectContaining({ parents: [remote.head] })]);
    expect(gh.bodiesOf('PATCH', REF_UPDATE)).toEqual([{ sha: 'fix-commit-sha', force: false }]);
    expect(gh.lines()).not.toContain(`POST ${R}/pulls`);
    const final = (gh.bodiesOf('PATCH', `${R}/issues/comments/2001`) as { body: string }[]).at(-1)!.body;
    expect(final).toMatch(/✅ Pushed fix-com/);
    const text = prompt(h);
    expect(text).toContain(`The repository's CI fails on the latest commit (${remote.head.slice(0, 7)})`);
    expect(text).toContain('### test');
    expect(text).toContain('AssertionError: expected 9 to be 10');
    expect(text).not.toContain('2026-12-03T10:00:02'); // Actions' timestamps are cut
    expect(text).not.toContain('### lint');
    expect(argv(h)).toMatch(/--resume\nsess-123/);
    expect(await jobsCreated(h)).toBe(2);
    resetNock();

    // The fix commit's CI passes: no call, no job.
    const quiet = githubMock({});
    await run(h, 'ci-3', {
      cloneUrl,
      headSha: 'fix-commit-sha',
      conclusion: 'success',
      runId: RUN + 1,
      runAttempt: 1,
      prNumber: PR,
    });
    await h.app.idle();
    expect(quiet.lines()).toEqual([]);
    expect(await jobsCreated(h)).toBe(2);
  });

  it('the same failure after a fix: no second attempt; the PR is labelled agent:needs-human and the status comment says so', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Tried.') });
    await firstRun(h, remote, 'ciFix:\n  attempts: 3\n  rerunFlaky: false\n');
    const cloneUrl = remote.url;

    // Without rerunFlaky the first failure goes to the agent at once.
    const gh = githubMock(attemptRoutes(remote.head, FAILING_LOG));
    await run(h, 'ci-1', {
      cloneUrl,
      headSha: remote.head,
      conclusion: 'failure',
      runId: RUN,
      runAttempt: 1,
      prNumber: PR,
    });
    await h.app.idle();
    expect([...gh.lines()].sort()).toEqual(attemptCalls(gh));
    expect(gh.bodiesOf('PATCH', REF_UPDATE)).toEqual([{ sha: 'fix-commit-sha', force: false }]);
    resetNock();

    // The fix commit fails the same way (a later run; the timestamps differ, the failure does not).
    const again = FAILING_LOG.replaceAll('2026-12-03T10:', '2026-12-03T11:');
    const stop = githubMock({
      [`GET ${R}/actions/runs/${RUN + 1}/jobs`]: attemptRoutes(remote.head, again, RUN + 1)[
        `GET ${R}/actions/runs/${RUN + 1}/jobs`
      ]!,
      [`GET ${R}/actions/jobs/502/logs`]: () => [200, again, { 'content-type': 'text/plain' }],
      [`POST ${R}/issues/${PR}/labels`]: () => [200, []],
      [`GET ${R}/issues/comments/2001`]: () => [
        200,
        { id: 2001, body: '**issue-agent** · claude\n\n✅ Pushed fix-com' },
      ],
      [`PATCH ${R}/issues/comments/2001`]: () => [200, {}],
    });
    await run(h, 'ci-2', {
      cloneUrl,
      headSha: 'fix-commit-sha',
      conclusion: 'failure',
      runId: RUN + 1,
      runAttempt: 1,
      prNumber: PR,
    });
    await h.app.idle();
    expect(stop.lines()).toEqual([
      `GET ${R}/actions/runs/${RUN + 1}/jobs`,
      `GET ${R}/actions/jobs/502/logs`,
      `POST ${R}/issues/${PR}/labels`,
      `GET ${R}/issues/comments/2001`,
      `PATCH ${R}/issues/comments/2001`,
    ]);
    expect(stop.bodiesOf('POST', `${R}/issues/${PR}/labels`)).toEqual([{ labels: ['agent:needs-human'] }]);
    expect(stop.bodiesOf('PATCH', `${R}/issues/comments/2001`)).toEqual([
      {
        body:
          '**issue-agent** · claude\n\n✅ Pushed fix-com\n\n🧑‍🔧 CI still fails on fix-com with the same failure after attempt 1: ' +
          'test: FAIL test/pager.test.ts > last page. Labelled `agent:needs-human`: over to a person.',
      },
    ]);
    expect(await jobsCreated(h)).toBe(2);
  });

  it('attempts used up: the PR is labelled, however different the new failure', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Tried.') });
    await firstRun(h, remote, 'ciFix:\n  attempts: 1\n  rerunFlaky: false\n');
    githubMock(attemptRoutes(remote.head, FAILING_LOG));
    await run(h, 'ci-1', {
      cloneUrl: remote.url,
      headSha: remote.head,
      conclusion: 'failure',
      runId: RUN,
      runAttempt: 1,
      prNumber: PR,
    });
    await h.app.idle();
    resetNock();

    const other = 'Error: lint found 3 problems';
    const stop = githubMock({
      [`GET ${R}/actions/runs/${RUN + 1}/jobs`]: attemptRoutes(remote.head, other, RUN + 1)[
        `GET ${R}/actions/runs/${RUN + 1}/jobs`
      ]!,
      [`GET ${R}/actions/jobs/502/logs`]: () => [200, other, { 'content-type': 'text/plain' }],
      [`POST ${R}/issues/${PR}/labels`]: () => [200, []],
      [`GET ${R}/issues/comments/2001`]: () => [200, { id: 2001, body: 'status' }],
      [`PATCH ${R}/issues/comments/2001`]: () => [200, {}],
    });
    await run(h, 'ci-2', {
      cloneUrl: remote.url,
      headSha: 'fix-commit-sha',
      conclusion: 'failure',
      runId: RUN + 1,
      runAttempt: 1,
      prNumber: PR,
    });
    await h.app.idle();
    expect(stop.bodiesOf('POST', `${R}/issues/${PR}/labels`)).toEqual([{ labels: ['agent:needs-human'] }]);
    expect(stop.bodiesOf('PATCH', `${R}/issues/comments/2001`)).toEqual([
      {
        body:
          'status\n\n🧑‍🔧 CI fails on fix-com (test: Error: lint found 3 problems) and the 1 attempt(s) of `ciFix.attempts` are used up. ' +
          'Labelled `agent:needs-human`: over to a person.',
      },
    ]);
    expect(await jobsCreated(h)).toBe(2);
  });

  it('ciFix.attempts 0 (the default): a failure on the app’s PR makes no call and no job', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Done.') });
    await firstRun(h, remote, 'draft: false\n');
    const gh = githubMock({});
    await run(h, 'ci-1', {
      cloneUrl: remote.url,
      headSha: remote.head,
      conclusion: 'failure',
      runId: RUN,
      runAttempt: 2,
      prNumber: PR,
    });
    await h.app.idle();
    expect(gh.lines()).toEqual([]);
    expect(await jobsCreated(h)).toBe(1);
  });

  it('a PR the app did not open, and a commit that is not the app’s latest: no call, no job', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Done.') });
    const gh = githubMock({});
    await run(h, 'theirs', {
      cloneUrl: remote.url,
      headSha: remote.head,
      conclusion: 'failure',
      runId: RUN,
      runAttempt: 2,
      prNumber: 7,
    });
    await h.app.idle();
    expect(gh.lines()).toEqual([]);
    expect(await jobsCreated(h)).toBe(0);

    await firstRun(h, remote, 'ciFix:\n  attempts: 2\n');
    const later = githubMock({});
    // Someone pushed onto the app's branch: their commit's CI is theirs.
    await run(h, 'pushed', {
      cloneUrl: remote.url,
      headSha: 'someone-elses-sha',
      conclusion: 'failure',
      runId: RUN,
      runAttempt: 2,
      prNumber: PR,
    });
    await h.app.idle();
    expect(later.lines()).toEqual([]);
    expect(await jobsCreated(h)).toBe(1);
  });

  it('logs the app may not read (403): the status comment names the missing permission, and no job', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Done.') });
    await firstRun(h, remote, 'ciFix:\n  attempts: 2\n  rerunFlaky: false\n');
    const gh = githubMock({
      [`GET ${R}/actions/runs/${RUN}/jobs`]: attemptRoutes(remote.head, '')[`GET ${R}/actions/runs/${RUN}/jobs`]!,
      [`GET ${R}/actions/jobs/502/logs`]: () => [403, { message: 'Resource not accessible by integration' }],
      [`POST ${R}/issues/${PR}/labels`]: () => [200, []],
      [`GET ${R}/issues/comments/1001`]: () => [200, { id: 1001, body: 'opened' }],
      [`PATCH ${R}/issues/comments/1001`]: () => [200, {}],
    });
    await run(h, 'ci-1', {
      cloneUrl: remote.url,
      headSha: remote.head,
      conclusion: 'failure',
      runId: RUN,
      runAttempt: 1,
      prNumber: PR,
    });
    await h.app.idle();
    expect(gh.lines()).toEqual([
      `GET ${R}/actions/runs/${RUN}/jobs`,
      `GET ${R}/actions/jobs/502/logs`,
      `POST ${R}/issues/${PR}/labels`,
      `GET ${R}/issues/comments/1001`,
      `PATCH ${R}/issues/comments/1001`,
    ]);
    expect(gh.bodiesOf('PATCH', `${R}/issues/comments/1001`)).toEqual([
      {
        body:
          'opened\n\n🧑‍🔧 CI failed on ' +
          remote.head.slice(0, 7) +
          ", but the app cannot read the log of the job test: it needs the `actions: read` permission (an admin grants it in the app's installation settings). " +
          'Labelled `agent:needs-human`: over to a person.',
      },
    ]);
    expect(await jobsCreated(h)).toBe(1);
  });

  it('a failed check suite of another CI app: its check runs’ output goes to the agent; Actions’ own suites are left to workflow_run', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Fixed.') });
    await firstRun(h, remote, 'ciFix:\n  attempts: 1\n');
    const suite = (appSlug: string) =>
      checkSuitePayload({
        cloneUrl: remote.url,
        headSha: remote.head,
        conclusion: 'failure',
        suiteId: 900,
        appSlug,
        prNumber: PR,
      });

    const quiet = githubMock({});
    await h.probot.receive({ id: 'actions-suite', name: 'check_suite', payload: suite('github-actions') as never });
    await h.app.idle();
    expect(quiet.lines()).toEqual([]);
    resetNock();

    const reading = `GET ${R}/check-suites/900/check-runs`;
    const gh = githubMock({
      ...attemptRoutes(remote.head, ''),
      [reading]: () => [
        200,
        {
          total_count: 2,
          check_runs: [
            {
              name: 'ci/build',
              conclusion: 'success',
              html_url: 'h1',
              output: { title: 'ok', summary: '', text: null },
            },
            {
              name: 'ci/test',
              conclusion: 'failure',
              html_url: 'h2',
              output: { title: '1 test failed', summary: 'pager_test.go:12: got 9, want 10', text: null },
            },
          ],
        },
      ],
    });
    await h.probot.receive({ id: 'other-suite', name: 'check_suite', payload: suite('ci-elsewhere') as never });
    await h.app.idle();
    expect([...gh.lines()].sort()).toEqual(attemptCalls(gh, [reading]));
    const text = prompt(h);
    expect(text).toContain('### ci/test');
    expect(text).toContain('pager_test.go:12: got 9, want 10');
    expect(text).not.toContain('ci/build');
  });

  it('an attempt is a job like any other: `/agent stop` on the PR cancels it', async () => {
    const remote = remoteWithPrBranch();
    // The agent takes its time only on the CI fix, so the stop lands while it runs.
    const extra = `if grep -q 'fails on the latest commit' "$rec/stdin"; then sleep 30; fi`;
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Fixed.'), extra });
    await firstRun(h, remote, 'ciFix:\n  attempts: 2\n  rerunFlaky: false\n');
    const gh = githubMock({
      ...attemptRoutes(remote.head, FAILING_LOG),
      [`GET ${R}/collaborators/Codertocat/permission`]: () => [
        200,
        { permission: 'admin', role_name: 'admin', user: { login: 'Codertocat' } },
      ],
      [`POST ${R}/issues/comments/7001/reactions`]: () => [201, {}],
    });
    await run(h, 'ci-1', {
      cloneUrl: remote.url,
      headSha: remote.head,
      conclusion: 'failure',
      runId: RUN,
      runAttempt: 1,
      prNumber: PR,
    });
    const starts = join(h.agentBin, 'record', 'starts');
    while (!existsSync(starts) || readFileSync(starts, 'utf8').trim().split('\n').length < 2)
      await new Promise((r) => setTimeout(r, 50));

    const stop = commentPayload('/agent stop', { cloneUrl: remote.url });
    stop.issue.number = PR;
    stop.issue.pull_request = { url: 'u', html_url: 'h', diff_url: 'd', patch_url: 'p', merged_at: null };
    (stop.comment as { id: number }).id = 7001;
    await h.probot.receive({ id: 'stop', name: 'issue_comment', payload: stop as never });
    await h.app.idle();

    expect(gh.bodiesOf('POST', `${R}/issues/comments/7001/reactions`)).toEqual([{ content: 'eyes' }]);
    const final = (gh.bodiesOf('PATCH', `${R}/issues/comments/2001`) as { body: string }[]).at(-1)!.body;
    expect(final).toMatch(/Cancelled by @Codertocat/i);
    expect(gh.lines()).not.toContain(`POST ${R}/git/commits`);
  });

  it('an attempt that makes no commit ends the ladder: the PR is labelled and its status comment says so', async () => {
    const remote = remoteWithPrBranch();
    // On the CI fix the agent undoes its change: nothing to commit.
    const extra = `if grep -q 'fails on the latest commit' "$rec/stdin"; then git checkout -- b.txt; fi`;
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Cannot fix this.'), extra });
    await firstRun(h, remote, 'ciFix:\n  attempts: 2\n  rerunFlaky: false\n');
    const gh = githubMock({
      ...attemptRoutes(remote.head, FAILING_LOG),
      [`POST ${R}/issues/${PR}/labels`]: () => [200, []],
    });
    await run(h, 'ci-1', {
      cloneUrl: remote.url,
      headSha: remote.head,
      conclusion: 'failure',
      runId: RUN,
      runAttempt: 1,
      prNumber: PR,
    });
    await h.app.idle();
    expect(gh.lines()).not.toContain(`POST ${R}/git/commits`);
    expect(gh.bodiesOf('POST', `${R}/issues/${PR}/labels`)).toEqual([{ labels: ['agent:needs-human'] }]);
    const final = (gh.bodiesOf('PATCH', `${R}/issues/comments/2001`) as { body: string }[]).at(-1)!.body;
    expect(final).toMatch(/without changing any files/);
    expect(final).toContain(
      '🧑‍🔧 CI fix attempt 1 of 2 made no commit, so CI still fails. Labelled `agent:needs-human`: over to a person.',
    );
  });
});
