import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, makeRemote } from '../helpers/git-remote.js';
import {
  commentPayload,
  labeledPayload,
  pullRequestClosedPayload,
  pushPayload,
  reviewCommentPayload,
} from '../helpers/payloads.js';
import { graphqlRoute } from '../helpers/review-threads.js';
import { claudeLines, happyGitHub, R, resetNock, startApp, statusEdits, type Harness } from './harness.js';

/**
 * `/agent` on a pull request. The remote git repository plays GitHub's: the PR branch exists in
 * it, so the follow-up clones the branch's real head; nock answers the REST calls.
 */
const BRANCH = 'agent/1-spelling-error-in-the-readme-file';
const PR = 42;

/** A remote with the PR branch one commit ahead of master, as the first run left it. */
function remoteWithPrBranch() {
  const remote = makeRemote({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
  git(remote.dir, 'checkout', '-q', '-b', BRANCH);
  git(remote.dir, 'commit', '-q', '--allow-empty', '-m', 'the first run');
  const head = git(remote.dir, 'rev-parse', 'HEAD');
  const tree = git(remote.dir, 'rev-parse', 'HEAD^{tree}');
  git(remote.dir, 'checkout', '-q', 'master');
  return { ...remote, head, headTree: tree };
}

function prComment(body: string, cloneUrl: string, id: number) {
  const p = commentPayload(body, { cloneUrl });
  p.issue.number = PR;
  p.issue.title = 'Spelling error in the README file';
  p.issue.pull_request = { url: 'u', html_url: 'h', diff_url: 'd', patch_url: 'p', merged_at: null };
  (p.comment as { id: number }).id = id;
  return p;
}

/** GitHub's answers about PR #42 and its branch (head at `head`). */
function prRoutes(head: string, extra: Record<string, (body: unknown, path: string) => [number, unknown]> = {}) {
  return {
    [`GET ${R}/pulls/${PR}`]: () =>
      [
        200,
        {
          number: PR,
          state: 'open',
          title: 'Spelling error in the README file',
          body: '<!-- issue-agent:summary:start -->\nold\n<!-- issue-agent:summary:end -->\n\nCloses #1',
          html_url: `https://github.com/Codertocat/Hello-World/pull/${PR}`,
          head: { ref: BRANCH, sha: head, repo: { full_name: 'Codertocat/Hello-World' } },
        },
      ] as [number, unknown],
    [`PATCH ${R}/pulls/${PR}`]: () => [200, {}] as [number, unknown],
    [`POST ${R}/issues/${PR}/comments`]: () => [201, { id: 2001 }] as [number, unknown],
    [`PATCH ${R}/issues/comments/2001`]: () => [200, {}] as [number, unknown],
    [`POST ${R}/issues/comments/7001/reactions`]: () => [201, {}] as [number, unknown],
    // One unresolved thread, made after the first run started; the run replies in it.
    'POST /graphql': graphqlRoute(() => [
      {
        id: 'T1',
        path: 'b.txt',
        line: 1,
        comments: [
          {
            id: 501,
            body: 'Please say bee here.',
            user: 'reviewer',
            createdAt: new Date(Date.now() + 60_000).toISOString(),
          },
        ],
      },
    ]),
    [`POST ${R}/pulls/${PR}/comments/501/replies`]: () => [201, { id: 9501 }] as [number, unknown],
    // Only the comments of users who reach `permission` go into the prompt.
    [`GET ${R}/collaborators/reviewer/permission`]: () =>
      [200, { permission: 'write', role_name: 'write', user: { login: 'reviewer' } }] as [number, unknown],
    [`GET ${R}/git/ref/heads%2F${encodeURIComponent(BRANCH)}`]: () =>
      [200, { object: { sha: head } }] as [number, unknown],
    [`PATCH ${R}/git/refs/heads%2F${encodeURIComponent(BRANCH)}`]: () => [200, {}] as [number, unknown],
    ...extra,
  };
}

/** Runs the first job (label → PR #42, recorded in the store), as a follow-up needs one before it. */
async function firstRun(h: Harness, cloneUrl: string, config: string) {
  const gh = happyGitHub({ [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, config] });
  await h.probot.receive({ id: 'first', name: 'issues', payload: labeledPayload('agent', { cloneUrl }) as never });
  await h.app.idle();
  expect(statusEdits(gh).at(-1)).toMatch(/Opened pull request #42/);
  resetNock();
}

/**
 * A follow-up after someone pushed a commit touching `theirFile` to the PR branch (its head is
 * now `someone-elses-sha`); the agent changes b.txt.
 */
async function followUpOnMovedBranch(theirFile: string) {
  const remote = remoteWithPrBranch();
  const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Said bee.') });
  await firstRun(h, remote.url, 'draft: false\n');
  const gh = happyGitHub({
    ...prRoutes(remote.head, {
      [`GET ${R}/git/ref/heads%2F${encodeURIComponent(BRANCH)}`]: () => [200, { object: { sha: 'someone-elses-sha' } }],
      [`GET ${R}/compare/${remote.head}...someone-elses-sha`]: () => [
        200,
        { status: 'ahead', files: [{ filename: theirFile }] },
      ],
      [`GET ${R}/git/commits/someone-elses-sha`]: () => [
        200,
        { sha: 'someone-elses-sha', tree: { sha: 'their-tree' } },
      ],
    }),
  });
  await h.probot.receive({
    id: 'follow',
    name: 'issue_comment',
    payload: prComment('/agent use bee', remote.url, 7001) as never,
  });
  await h.app.idle();
  return gh;
}

const record = (h: Harness, file: string) => readFileSync(join(h.agentBin, 'record', file), 'utf8');

describe('follow-ups on pull requests', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it("on the app's own PR: one new commit on its branch, no second PR, review comments in the prompt, the session resumed", async () => {
    const remote = remoteWithPrBranch();
    const config = 'followUps:\n  keepSandboxMinutes: 5\n';
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Said bee.') });
    await firstRun(h, remote.url, config);
    const first = (await h.app.store.latestForPullRequest({ owner: 'Codertocat', name: 'Hello-World' }, PR))!;
    const at = (ms: number) => new Date(ms).toISOString();
    const thread = (id: string, commentId: number, body: string, createdAt: string) => ({
      id,
      path: 'b.txt',
      line: 1,
      comments: [{ id: commentId, body, user: 'reviewer', createdAt }],
    });

    const gh = happyGitHub({
      [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, config],
      ...prRoutes(remote.head, {
        // One made before the first run (its prompt could have had it), one while it worked (it could not), one after.
        'POST /graphql': graphqlRoute(() => [
          thread('T0', 500, 'Seen by the first run.', at(first.startedAt! - 1_000)),
          thread('T1', 501, 'Made while the first run worked.', at(first.startedAt! + 1)),
          thread('T2', 502, 'Please say bee here.', at(Date.now() + 60_000)),
        ]),
        [`POST ${R}/pulls/${PR}/comments/502/replies`]: () => [201, {}],
      }),
    });
    await h.probot.receive({
      id: 'follow',
      name: 'issue_comment',
      payload: prComment('/agent use bee, not b', remote.url, 7001) as never,
    });
    await h.app.idle();

    expect(gh.lines()).not.toContain(`POST ${R}/pulls`);
    expect(gh.lines()).not.toContain(`POST ${R}/git/refs`);
    expect(gh.bodiesOf('POST', `${R}/git/trees`)).toEqual([
      { base_tree: remote.headTree, tree: [{ path: 'b.txt', mode: '100644', type: 'blob', content: 'bee\n' }] },
    ]);
    expect(gh.bodiesOf('POST', `${R}/git/commits`)).toEqual([expect.objectContaining({ parents: [remote.head] })]);
    expect(gh.bodiesOf('PATCH', `${R}/git/refs/heads%2F${encodeURIComponent(BRANCH)}`)).toEqual([
      { sha: 'new-commit-sha', force: false },
    ]);
    // The PR body's summary follows the latest run; the rest of the body stays.
    expect(gh.bodiesOf('PATCH', `${R}/pulls/${PR}`)).toEqual([
      { body: '<!-- issue-agent:summary:start -->\nSaid bee.\n<!-- issue-agent:summary:end -->\n\nCloses #1' },
    ]);
    const final = (gh.bodiesOf('PATCH', `${R}/issues/comments/2001`) as { body: string }[]).at(-1)!.body;
    expect(final).toMatch(/✅ Pushed new-com to `agent\/1-spelling-error-in-the-readme-file` \(#42\)/);
    expect(final).toContain(`https://github.com/Codertocat/Hello-World/pull/42/commits/new-commit-sha`);
    expect(final).toContain('> Said bee.');
    expect(gh.bodiesOf('POST', `${R}/check-runs`)).toEqual([
      expect.objectContaining({ name: 'issue-agent', head_sha: 'new-commit-sha' }),
    ]);

    const prompt = record(h, 'stdin');
    expect(prompt).toContain('use bee, not b');
    expect(prompt).toContain('Please say bee here.');
    expect(prompt).toContain('Made while the first run worked.');
    expect(prompt).not.toContain('Seen by the first run.');
    expect(prompt).toContain('b.txt');
    // Same agent, kept sandbox: the CLI was asked to resume the first run's session.
    expect(record(h, 'argv')).toMatch(/--resume\nsess-123/);
    // A reply in each thread the run addressed (not in the one the first run saw); none resolved.
    expect(gh.bodiesOf('POST', `${R}/pulls/${PR}/comments/501/replies`)).toEqual([
      { body: 'Addressed in new-com: Said bee.' },
    ]);
    expect(gh.bodiesOf('POST', `${R}/pulls/${PR}/comments/502/replies`)).toEqual([
      { body: 'Addressed in new-com: Said bee.' },
    ]);
    expect(gh.lines()).not.toContain(`POST ${R}/pulls/${PR}/comments/500/replies`);
    expect(gh.lines().filter((l) => l === 'POST /graphql')).toHaveLength(1);
    expect(final).toContain('Replied in 2 review threads:');
  });

  it('a `/agent` review comment on the PR: 👀 on that comment, a commit on the branch, and the prompt says where it was made', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Said bee.') });
    await firstRun(h, remote.url, 'draft: false\n');

    const gh = happyGitHub({ ...prRoutes(remote.head), [`POST ${R}/pulls/comments/7002/reactions`]: () => [201, {}] });
    const payload = reviewCommentPayload('/agent say bee here', {
      cloneUrl: remote.url,
      prNumber: PR,
      prTitle: 'Spelling error in the README file',
      commentId: 7002,
      path: 'b.txt',
      line: 1,
    });
    await h.probot.receive({ id: 'review', name: 'pull_request_review_comment', payload: payload as never });
    await h.app.idle();

    expect(gh.bodiesOf('POST', `${R}/pulls/comments/7002/reactions`)).toEqual([{ content: 'eyes' }]);
    expect(gh.bodiesOf('PATCH', `${R}/git/refs/heads%2F${encodeURIComponent(BRANCH)}`)).toEqual([
      { sha: 'new-commit-sha', force: false },
    ]);
    expect(gh.lines()).not.toContain(`POST ${R}/pulls`);
    const prompt = record(h, 'stdin');
    expect(prompt).toContain('say bee here');
    expect(prompt).toContain('The request was made on `b.txt` line 1.');
    expect((gh.bodiesOf('PATCH', `${R}/issues/comments/2001`) as { body: string }[]).at(-1)!.body).toMatch(/✅ Pushed/);
  });

  it('a verify fix without a session is given the follow-up task again, review comments included', async () => {
    const remote = remoteWithPrBranch();
    // An agent that reports no session, and fixes the check only when its prompt has the review comment.
    const lines = claudeLines('Said bee.').map((l) => l.replace(/"session_id":"sess-123",?/g, ''));
    const extra = `if grep -q 'Please say bee here' "$rec/stdin" && grep -q 'test -f fixed.txt' "$rec/stdin"; then echo ok > fixed.txt; fi`;
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines, extra });
    await firstRun(h, remote.url, 'draft: false\n');

    const config = "verify:\n  - 'test -f fixed.txt'\n";
    const gh = happyGitHub({
      [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, config],
      ...prRoutes(remote.head),
    });
    // The config changes between the runs: its push is what makes the app read it again.
    const push = pushPayload({ files: { modified: ['.github/issue-agent.yml'] } });
    await h.probot.receive({ id: 'config-push', name: 'push', payload: push as never });
    await h.probot.receive({
      id: 'follow',
      name: 'issue_comment',
      payload: prComment('/agent use bee, not b', remote.url, 7001) as never,
    });
    await h.app.idle();

    expect(record(h, 'argv')).not.toContain('--resume');
    expect(
      (gh.bodiesOf('POST', `${R}/git/trees`)[0] as { tree: { path: string }[] }).tree.map((t) => t.path).sort(),
    ).toEqual(['b.txt', 'fixed.txt']);
    expect((gh.bodiesOf('PATCH', `${R}/issues/comments/2001`) as { body: string }[]).at(-1)!.body).toMatch(/✅ Pushed/);
    // The PR body shows this run's checks (the first run had none: the section is added at the end).
    const [update] = gh.bodiesOf('PATCH', `${R}/pulls/${PR}`) as { body: string }[];
    expect(update!.body).toMatch(
      /^<!-- issue-agent:summary:start -->\nSaid bee\.\n<!-- issue-agent:summary:end -->\n\nCloses #1\n\n<!-- issue-agent:checks:start -->\n### Checks\n/,
    );
    expect(update!.body).toMatch(/✅ <code>test -f fixed\.txt<\/code> passed/);
    expect(update!.body).toMatch(/<!-- issue-agent:checks:end -->$/);
  });

  it('a follow-up that arrives while the run that opened the PR is still finishing: it waits, then adds a commit to that PR', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Said bee.') });
    let followUp: Promise<void> | undefined;
    let firstCheckRun = true;
    const gh = happyGitHub({
      ...prRoutes(remote.head),
      // The first run has opened PR #42 and now reports its check run: the follow-up comes in
      // right then, and is accepted (👀 and its status comment) before the first run ends.
      [`POST ${R}/check-runs`]: async () => {
        if (firstCheckRun) {
          firstCheckRun = false;
          followUp = h.probot.receive({
            id: 'race',
            name: 'issue_comment',
            payload: prComment('/agent also use bee', remote.url, 7001) as never,
          });
          await followUp;
        }
        return [201, { id: 77 }];
      },
    });
    await h.probot.receive({
      id: 'first',
      name: 'issues',
      payload: labeledPayload('agent', { cloneUrl: remote.url }) as never,
    });
    await h.app.idle();
    await followUp;
    await h.app.idle();

    expect(gh.lines().filter((l) => l === `POST ${R}/pulls`)).toHaveLength(1); // no PR against its own PR
    expect(gh.lines()).toContain(`PATCH ${R}/git/refs/heads%2F${encodeURIComponent(BRANCH)}`); // a commit on its branch
    const followUpStatus = gh.bodiesOf('PATCH', `${R}/issues/comments/2001`) as { body: string }[];
    expect(followUpStatus.at(-1)!.body).toMatch(/Pushed/);
    const last = await h.app.store.latestForPullRequest({ owner: 'Codertocat', name: 'Hello-World' }, PR);
    expect(last!.job.followUp).toMatchObject({ own: true, previous: { agent: 'claude' } });
  });

  it('a branch moved by someone else: rebased through the API when the files do not overlap', async () => {
    const gh = await followUpOnMovedBranch('README.md');
    expect(gh.bodiesOf('POST', `${R}/git/trees`)).toEqual([expect.objectContaining({ base_tree: 'their-tree' })]);
    expect(gh.bodiesOf('POST', `${R}/git/commits`)).toEqual([
      expect.objectContaining({ parents: ['someone-elses-sha'] }),
    ]);
    const final = (gh.bodiesOf('PATCH', `${R}/issues/comments/2001`) as { body: string }[]).at(-1)!.body;
    expect(final).toMatch(/Pushed .* on top of commits pushed meanwhile/);
  });

  it('a branch moved by someone else: a conflict fails the run and says which files', async () => {
    const gh = await followUpOnMovedBranch('b.txt');
    expect(gh.lines()).not.toContain(`POST ${R}/git/commits`);
    const final = (gh.bodiesOf('PATCH', `${R}/issues/comments/2001`) as { body: string }[]).at(-1)!.body;
    expect(final).toMatch(
      /❌ Failed .*someone pushed to agent\/1-spelling-error-in-the-readme-file meanwhile and changed b\.txt/,
    );
    // No new commit: the failed run shows among the PR's checks on the head it started from.
    expect(gh.bodiesOf('POST', `${R}/check-runs`)).toEqual([
      expect.objectContaining({ name: 'issue-agent', head_sha: expect.stringMatching(/^[0-9a-f]{40}$/) }),
    ]);
    expect(gh.bodiesOf('PATCH', `${R}/check-runs/77`)).toEqual([
      expect.objectContaining({
        conclusion: 'failure',
        output: expect.objectContaining({ summary: expect.stringContaining('someone pushed to') }),
      }),
    ]);
  });

  it('on a PR the app did not open: a new branch and a new PR against that PR, never a push to its branch', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({
      writes: { 'b.txt': 'bee\n' },
      lines: claudeLines('Said bee.', { structured: { title: 'Use bee in b.txt' } }),
    });
    const gh = happyGitHub({ ...prRoutes(remote.head) });
    await h.probot.receive({
      id: 'foreign',
      name: 'issue_comment',
      payload: prComment('/agent use bee', remote.url, 7001) as never,
    });
    await h.app.idle();
    expect(gh.lines()).not.toContain(`PATCH ${R}/git/refs/heads%2F${encodeURIComponent(BRANCH)}`);
    expect(gh.bodiesOf('POST', `${R}/git/refs`)).toEqual([
      { ref: 'refs/heads/agent/pr-42-spelling-error-in-the-readme-file', sha: 'new-commit-sha' },
    ]);
    const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as { base: string; body: string; title: string }[];
    // The agent's structured title; without one it would be the PR's title with "(follow-up)".
    expect(pr).toMatchObject({ base: BRANCH, title: 'Use bee in b.txt' });
    expect(pr!.body).toContain('Follow-up to #42.');
    expect(pr!.body).not.toContain('Closes');
    // The thread on their PR is answered with the commit and the PR that holds it.
    expect(gh.bodiesOf('POST', `${R}/pulls/${PR}/comments/501/replies`)).toEqual([
      { body: 'Addressed in new-com (#42): Said bee.' },
    ]);
    expect((gh.bodiesOf('PATCH', `${R}/issues/comments/2001`) as { body: string }[]).at(-1)!.body).toMatch(
      /Opened pull request #42/,
    );
  });

  it('a kept sandbox lives on after the run and is killed when the PR closes', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Said bee.') });
    await firstRun(h, remote.url, 'followUps:\n  keepSandboxMinutes: 5\n');
    const { sandboxId } = (await h.app.store.latestForPullRequest({ owner: 'Codertocat', name: 'Hello-World' }, PR))!;
    const home = join(tmpdir(), sandboxId!.replace(/^local-/, ''));
    expect(existsSync(home)).toBe(true);

    await h.probot.receive({ id: 'closed', name: 'pull_request', payload: pullRequestClosedPayload(PR) as never });
    expect(existsSync(home)).toBe(false);
  });
});
