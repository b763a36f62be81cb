import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, makeRemote } from '../helpers/git-remote.js';
import {
  commentPayload,
  labeledPayload,
  pushPayload,
  reviewCommentPayload,
  reviewPayload,
} from '../helpers/payloads.js';
import { graphqlRoute, resolvedThreadIds, threadReads, type ThreadSpec } from '../helpers/review-threads.js';
import { claudeLines, happyGitHub, jobsCreated, R, resetNock, startApp, statusEdits, type Harness } from './harness.js';

/**
 * Review rounds on the app's own PR #42: a submitted review starts one run whose prompt holds the
 * review's threads; after the commit the app replies in each thread. nock plays GitHub (REST and
 * GraphQL); the remote git repository holds the PR branch.
 */
const BRANCH = 'agent/1-spelling-error-in-the-readme-file';
const PR = 42;
const TITLE = 'Spelling error in the README file';
const REF = `heads%2F${encodeURIComponent(BRANCH)}`;

function remoteWithPrBranch() {
  const remote = makeRemote({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
  git(remote.dir, 'checkout', '-q', '-b', BRANCH);
  git(remote.dir, 'commit', '-q', '--allow-empty', '-m', 'the first run');
  const head = git(remote.dir, 'rev-parse', 'HEAD');
  git(remote.dir, 'checkout', '-q', 'master');
  return { ...remote, head };
}

/** GitHub's answers about PR #42 for a follow-up: the PR, its status comment, its branch, its threads. */
function prRoutes(head: string, threads: () => readonly ThreadSpec[], config = 'draft: false\n') {
  return {
    [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, config] as [number, unknown],
    [`GET ${R}/pulls/${PR}`]: () =>
      [
        200,
        {
          number: PR,
          state: 'open',
          title: TITLE,
          body: '<!-- issue-agent:summary:start -->\nold\n<!-- issue-agent:summary:end -->\n\nCloses #1',
          html_url: `https://github.com/Codertocat/Hello-World/pull/${PR}`,
          head: { ref: BRANCH, sha: head, repo: { full_name: 'Codertocat/Hello-World' } },
        },
      ] as [number, unknown],
    [`PATCH ${R}/pulls/${PR}`]: () => [200, {}] as [number, unknown],
    [`POST ${R}/issues/${PR}/comments`]: () => [201, { id: 2001 }] as [number, unknown],
    [`PATCH ${R}/issues/comments/2001`]: () => [200, {}] as [number, unknown],
    [`POST ${R}/issues/${PR}/reactions`]: () => [201, {}] as [number, unknown],
    [`GET ${R}/collaborators/reviewer/permission`]: () =>
      [200, { permission: 'write', role_name: 'write', user: { login: 'reviewer' } }] as [number, unknown],
    [`GET ${R}/git/ref/${REF}`]: () => [200, { object: { sha: head } }] as [number, unknown],
    [`PATCH ${R}/git/refs/${REF}`]: () => [200, {}] as [number, unknown],
    'POST /graphql': graphqlRoute(threads),
  };
}

/** A push that changes the config: the app reads it again on the next event. */
async function configChanged(h: Harness) {
  const push = pushPayload({ files: { modified: ['.github/issue-agent.yml'] } });
  await h.probot.receive({ id: 'config-push', name: 'push', payload: push as never });
}

/** The label run that opened PR #42 (recorded in the store, as a follow-up needs). */
async function firstRun(h: Harness, cloneUrl: string) {
  happyGitHub();
  await h.probot.receive({ id: 'first', name: 'issues', payload: labeledPayload('agent', { cloneUrl }) as never });
  await h.app.idle();
  resetNock();
}

const iso = (ms: number) => new Date(ms).toISOString();
const record = (h: Harness, file: string) => readFileSync(join(h.agentBin, 'record', file), 'utf8');
const replies = (lines: string[]) => lines.filter((l) => l.endsWith('/replies')).sort();
const review = (url: string, o: Partial<Parameters<typeof reviewPayload>[0]> = {}) =>
  reviewPayload({
    cloneUrl: url,
    prNumber: PR,
    prTitle: TITLE,
    reviewId: 900,
    body: null,
    state: 'commented',
    sender: { login: 'reviewer', id: 77 },
    ...o,
  });

describe('review rounds', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('a review with three comments and `/agent`: one run, one commit, a reply in each of the three threads (the SHA, or the agent’s own reason)', async () => {
    const remote = remoteWithPrBranch();
    // The agent's own account of thread 2 (its number in the prompt): no change, and why.
    const h = await startApp({
      writes: { 'b.txt': 'bee\n' },
      lines: claudeLines('Said bee.\nAnd more.', {
        structured: { threads: [{ id: '2', reply: 'Left ay as it is: it is right.', changed: false }] },
      }),
    });
    await firstRun(h, remote.url);
    const first = (await h.app.store.latestForPullRequest({ owner: 'Codertocat', name: 'Hello-World' }, PR))!;
    const before = iso(first.startedAt! - 60_000);
    const now = iso(Date.now());
    const threads: ThreadSpec[] = [
      // An older thread the review answers in: its earlier comment comes along.
      {
        id: 'T1',
        path: 'b.txt',
        line: 1,
        diffHunk: '@@ -1 +1 @@\n-b\n+b!',
        comments: [
          { id: 601, body: 'Earlier: is b right?', user: 'reviewer', createdAt: before },
          { id: 602, body: 'Say bee here.', user: 'reviewer', createdAt: now, reviewId: 900 },
        ],
      },
      {
        id: 'T2',
        path: 'a.txt',
        line: 1,
        comments: [{ id: 603, body: 'And ay here.', user: 'reviewer', createdAt: now, reviewId: 900 }],
      },
      {
        id: 'T3',
        path: 'b.txt',
        line: 2,
        comments: [{ id: 604, body: 'Keep the newline.', user: 'reviewer', createdAt: now, reviewId: 900 }],
      },
      // Not this review's: resolved, or older than the run it continues.
      {
        id: 'T4',
        path: 'a.txt',
        line: 1,
        resolved: true,
        comments: [{ id: 605, body: 'Resolved talk.', user: 'reviewer', createdAt: now }],
      },
      {
        id: 'T5',
        path: 'a.txt',
        line: 1,
        comments: [{ id: 606, body: 'Old talk.', user: 'reviewer', createdAt: before }],
      },
    ];
    const gh = happyGitHub({
      ...prRoutes(remote.head, () => threads),
      [`POST ${R}/pulls/${PR}/comments/601/replies`]: () => [201, {}],
      [`POST ${R}/pulls/${PR}/comments/603/replies`]: () => [201, {}],
      [`POST ${R}/pulls/${PR}/comments/604/replies`]: () => [201, {}],
    });
    // GitHub delivers each comment of the review, then the review: only the review starts a run.
    for (const [i, c] of [threads[0]!.comments[1]!, threads[1]!.comments[0]!, threads[2]!.comments[0]!].entries()) {
      const payload = reviewCommentPayload(c.body, {
        cloneUrl: remote.url,
        prNumber: PR,
        prTitle: TITLE,
        commentId: c.id,
        path: 'b.txt',
        line: 1,
      });
      await h.probot.receive({ id: `rc-${i}`, name: 'pull_request_review_comment', payload: payload as never });
    }
    await h.probot.receive({
      id: 'review',
      name: 'pull_request_review',
      payload: review(remote.url, { body: '/agent keep the API as it is' }) as never,
    });
    await h.app.idle();

    expect(await jobsCreated(h)).toBe(2); // the label run and this one
    const prompt = record(h, 'stdin');
    expect(prompt).toContain('keep the API as it is');
    const order = [
      '### Thread 1: `b.txt` line 1',
      '-b\n+b!',
      'Earlier: is b right?',
      'Say bee here.',
      '### Thread 2: `a.txt` line 1',
      'And ay here.',
      '### Thread 3: `b.txt` line 2',
      'Keep the newline.',
    ];
    const at = order.map((s) => prompt.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(prompt).not.toContain('Resolved talk.');
    expect(prompt).not.toContain('Old talk.');

    const sorted = (lines: string[]) => [...lines].sort();
    expect(sorted(gh.lines())).toEqual(
      sorted([
        // The installation token and the config are the first run's, still cached.
        `GET ${R}/collaborators/reviewer/permission`,
        `GET ${R}/pulls/${PR}`,
        `POST ${R}/issues/${PR}/reactions`, // a review takes no reaction: 👀 on the PR
        `POST ${R}/issues/${PR}/comments`,
        ...Array<string>(gh.bodiesOf('PATCH', `${R}/issues/comments/2001`).length).fill(
          `PATCH ${R}/issues/comments/2001`,
        ),
        'POST /app/installations/1/access_tokens', // the read-only clone token
        'POST /graphql', // the threads, read once
        `GET ${R}/git/ref/${REF}`,
        `POST ${R}/git/trees`,
        `POST ${R}/git/commits`,
        `PATCH ${R}/git/refs/${REF}`,
        `GET ${R}/pulls/${PR}`,
        `PATCH ${R}/pulls/${PR}`,
        `POST ${R}/pulls/${PR}/comments/601/replies`,
        `POST ${R}/pulls/${PR}/comments/603/replies`,
        `POST ${R}/pulls/${PR}/comments/604/replies`,
        `POST ${R}/check-runs`,
        `PATCH ${R}/check-runs/77`,
      ]),
    );
    for (const root of [601, 604]) {
      expect(gh.bodiesOf('POST', `${R}/pulls/${PR}/comments/${root}/replies`)).toEqual([
        { body: 'Addressed in new-com: Said bee.' },
      ]);
    }
    expect(gh.bodiesOf('POST', `${R}/pulls/${PR}/comments/603/replies`)).toEqual([
      { body: 'No change made: Left ay as it is: it is right.' },
    ]);
    const final = (gh.bodiesOf('PATCH', `${R}/issues/comments/2001`) as { body: string }[]).at(-1)!.body;
    expect(final).toMatch(/✅ Pushed new-com/);
    expect(final).toContain('Replied in 3 review threads:');
    expect(final).toContain(
      '- [`a.txt` line 1](https://github.com/Codertocat/Hello-World/pull/42#discussion_r603): No change made: Left ay as it is: it is right.',
    );
    expect(statusEdits(gh)).toEqual([]);
  });

  it('comments arriving mid-run go to the next run; those arriving while that run is queued join it', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Said bee.') });
    await firstRun(h, remote.url);
    const threads: ThreadSpec[] = [
      {
        id: 'T1',
        path: 'b.txt',
        line: 1,
        comments: [{ id: 601, body: 'Say bee.', user: 'reviewer', createdAt: iso(Date.now()), reviewId: 900 }],
      },
    ];
    await new Promise((r) => setTimeout(r, 5)); // the review's comment predates the run it starts
    const comment = (id: number, body: string) =>
      reviewCommentPayload(body, {
        cloneUrl: remote.url,
        prNumber: PR,
        prTitle: TITLE,
        commentId: id,
        path: 'a.txt',
        line: 1,
      });
    let midRun: Promise<void> | undefined;
    const gh = happyGitHub({
      ...prRoutes(remote.head, () => threads),
      // While the first review's run commits (its prompt long written), two review comments come in.
      [`POST ${R}/git/trees`]: async () => {
        if (!midRun) {
          midRun = (async () => {
            for (const [id, body] of [
              [611, '/agent also ay'],
              [612, '/agent and bee in a.txt'],
            ] as const) {
              threads.push({
                id: `T${id}`,
                path: 'a.txt',
                line: 1,
                comments: [{ id, body, user: 'Codertocat', createdAt: iso(Date.now()) }],
              });
              await h.probot.receive({
                id: `c-${id}`,
                name: 'pull_request_review_comment',
                payload: comment(id, body) as never,
              });
            }
            // A review with a comment and a bare `/agent`: it joins the queued run too.
            threads.push({
              id: 'T613',
              path: 'b.txt',
              line: 1,
              comments: [
                { id: 613, body: 'And a newline.', user: 'reviewer', createdAt: iso(Date.now()), reviewId: 901 },
              ],
            });
            await h.probot.receive({
              id: 'review-2',
              name: 'pull_request_review',
              payload: review(remote.url, { reviewId: 901, body: '/agent' }) as never,
            });
          })();
          await midRun;
        }
        return [201, { sha: 'new-tree-sha' }];
      },
      [`POST ${R}/pulls/comments/611/reactions`]: () => [201, {}],
      [`POST ${R}/pulls/comments/612/reactions`]: () => [201, {}],
      [`POST ${R}/pulls/${PR}/comments/601/replies`]: () => [201, {}],
      [`POST ${R}/pulls/${PR}/comments/611/replies`]: () => [201, {}],
      [`POST ${R}/pulls/${PR}/comments/612/replies`]: () => [201, {}],
      [`POST ${R}/pulls/${PR}/comments/613/replies`]: () => [201, {}],
    });
    await h.probot.receive({
      id: 'review',
      name: 'pull_request_review',
      payload: review(remote.url, { body: '/agent' }) as never,
    });
    await h.app.idle();
    await midRun;
    await h.app.idle();

    // The label run, the review's run, and one run for both comments: the second joined the queued one.
    expect(await jobsCreated(h)).toBe(3);
    expect(gh.bodiesOf('POST', `${R}/pulls/comments/612/reactions`)).toEqual([{ content: 'eyes' }]);
    expect(gh.bodiesOf('POST', `${R}/issues/${PR}/reactions`)).toHaveLength(2); // both reviews: 👀 on the PR
    expect(gh.bodiesOf('POST', `${R}/issues/${PR}/comments`)).toHaveLength(2); // a status comment per run
    expect(gh.lines().filter((l) => l === `PATCH ${R}/git/refs/${REF}`)).toHaveLength(2);
    // The second run's prompt: both comments, not the thread the first run answered.
    const prompt = record(h, 'stdin');
    expect(prompt).toContain('also ay');
    expect(prompt).toContain('and bee in a.txt');
    expect(prompt).toContain('And a newline.');
    expect(prompt).not.toContain('Say bee.');
    expect(replies(gh.lines())).toEqual(
      [601, 611, 612, 613].map((id) => `POST ${R}/pulls/${PR}/comments/${id}/replies`).sort(),
    );
    expect(threadReads(gh.bodiesOf('POST', '/graphql'))).toBe(2);
  });

  it('`followUps.onReview: changes_requested`: a review requesting changes starts a run; `resolveThreads` resolves the threads answered with a change, but not one with news', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Said bee.') });
    await firstRun(h, remote.url);
    const config = 'followUps:\n  onReview: changes_requested\n  resolveThreads: true\n';
    const now = iso(Date.now());
    let reads = 0;
    const threads = (): ThreadSpec[] => [
      {
        id: 'T1',
        path: 'b.txt',
        line: 1,
        comments: [{ id: 601, body: 'Say bee.', user: 'reviewer', createdAt: now, reviewId: 900 }],
      },
      {
        id: 'T2',
        path: 'a.txt',
        line: 1,
        comments: [
          { id: 602, body: 'And ay.', user: 'reviewer', createdAt: now, reviewId: 900 },
          // Made after the run read the threads: the thread stays open for the next run.
          ...(++reads > 1 ? [{ id: 603, body: 'Wait, not ay.', user: 'reviewer', createdAt: iso(Date.now()) }] : []),
        ],
      },
    ];
    const gh = happyGitHub({
      ...prRoutes(remote.head, threads, config),
      [`POST ${R}/pulls/${PR}/comments/601/replies`]: () => [201, {}],
      [`POST ${R}/pulls/${PR}/comments/602/replies`]: () => [201, {}],
    });
    await configChanged(h);
    await h.probot.receive({
      id: 'review',
      name: 'pull_request_review',
      payload: review(remote.url, { body: 'A few things.', state: 'changes_requested' }) as never,
    });
    await h.app.idle();

    expect(record(h, 'stdin')).toContain('(no text: address the review threads below)');
    expect(record(h, 'stdin')).toContain('And ay.');
    expect(replies(gh.lines())).toEqual([601, 602].map((id) => `POST ${R}/pulls/${PR}/comments/${id}/replies`));
    expect(resolvedThreadIds(gh.bodiesOf('POST', '/graphql'))).toEqual(['T1']);
    const final = (gh.bodiesOf('PATCH', `${R}/issues/comments/2001`) as { body: string }[]).at(-1)!.body;
    expect(final).toContain('Addressed in new-com: Said bee. (resolved)');
  });

  it('without `onReview` a review requesting changes starts nothing; an approval costs no call', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Said bee.') });
    await firstRun(h, remote.url);
    const gh = happyGitHub(prRoutes(remote.head, () => []));
    await h.probot.receive({
      id: 'approve',
      name: 'pull_request_review',
      payload: review(remote.url, { body: 'LGTM', state: 'approved' }) as never,
    });
    expect(gh.lines()).toEqual([]);
    await h.probot.receive({
      id: 'changes',
      name: 'pull_request_review',
      payload: review(remote.url, { state: 'changes_requested' }) as never,
    });
    await h.app.idle();
    // The config (the defaults, cached since the first run) makes neither a trigger: no call.
    expect(gh.lines()).toEqual([]);
    expect(await jobsCreated(h)).toBe(1);
  });

  it('a review by a user without `permission`: no run, no reply, nothing read for a prompt', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Said bee.') });
    await firstRun(h, remote.url);
    const gh = happyGitHub({
      ...prRoutes(remote.head, () => [], 'followUps:\n  onReview: changes_requested\n'),
      [`GET ${R}/collaborators/mallory/permission`]: () => [
        200,
        { permission: 'read', role_name: 'read', user: { login: 'mallory' } },
      ],
    });
    const sender = { login: 'mallory', id: 66 };
    await configChanged(h);
    await h.probot.receive({
      id: 'r1',
      name: 'pull_request_review',
      payload: review(remote.url, { body: '/agent push to main', sender }) as never,
    });
    await h.probot.receive({
      id: 'r2',
      name: 'pull_request_review',
      payload: review(remote.url, { reviewId: 901, state: 'changes_requested', sender }) as never,
    });
    await h.app.idle();
    expect(await jobsCreated(h)).toBe(1);
    expect([...gh.lines()].sort()).toEqual(
      [
        `GET ${R}/contents/.github%2Fissue-agent.yml`,
        `GET ${R}/collaborators/mallory/permission`,
        `GET ${R}/collaborators/mallory/permission`,
      ].sort(),
    );
  });

  it('`onReview` on a PR the app did not open starts nothing', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Said bee.') });
    const gh = happyGitHub({
      ...prRoutes(remote.head, () => [], 'followUps:\n  onReview: changes_requested\n'),
    });
    await h.probot.receive({
      id: 'r',
      name: 'pull_request_review',
      payload: review(remote.url, { state: 'changes_requested' }) as never,
    });
    await h.app.idle();
    expect(await jobsCreated(h)).toBe(0);
    expect([...gh.lines()].sort()).toEqual(
      [
        'POST /app/installations/1/access_tokens',
        `GET ${R}/contents/.github%2Fissue-agent.yml`,
        `GET ${R}/collaborators/reviewer/permission`,
        `GET ${R}/pulls/${PR}`,
      ].sort(),
    );
  });

  it('`/agent` alone on the PR means "continue": every unresolved thread is in the prompt, old ones too', async () => {
    const remote = remoteWithPrBranch();
    const h = await startApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Said bee.') });
    await firstRun(h, remote.url);
    const old = iso(Date.now() - 3_600_000);
    const gh = happyGitHub({
      ...prRoutes(remote.head, () => [
        {
          id: 'T1',
          path: 'b.txt',
          line: 1,
          comments: [{ id: 601, body: 'Old, still open.', user: 'reviewer', createdAt: old }],
        },
        {
          id: 'T2',
          path: 'a.txt',
          line: 1,
          resolved: true,
          comments: [{ id: 602, body: 'Done already.', user: 'reviewer', createdAt: old }],
        },
        {
          id: 'T3',
          path: 'a.txt',
          line: 1,
          comments: [{ id: 603, body: 'Only a bot here.', user: 'x', createdAt: old, bot: true }],
        },
      ]),
      [`POST ${R}/issues/comments/7001/reactions`]: () => [201, {}],
      [`POST ${R}/pulls/${PR}/comments/601/replies`]: () => [201, {}],
    });
    const p = commentPayload('/agent', { cloneUrl: remote.url });
    p.issue.number = PR;
    p.issue.title = TITLE;
    p.issue.pull_request = { url: 'u', html_url: 'h', diff_url: 'd', patch_url: 'p', merged_at: null };
    (p.comment as { id: number }).id = 7001;
    await h.probot.receive({ id: 'continue', name: 'issue_comment', payload: p as never });
    await h.app.idle();

    const prompt = record(h, 'stdin');
    expect(prompt).toContain('Old, still open.');
    expect(prompt).not.toContain('Done already.');
    expect(prompt).not.toContain('Only a bot here.');
    expect(replies(gh.lines())).toEqual([`POST ${R}/pulls/${PR}/comments/601/replies`]);
  });
});
