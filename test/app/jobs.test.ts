import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRemote } from '../helpers/git-remote.js';
import { commentPayload, labeledPayload } from '../helpers/payloads.js';
import { claudeLines, happyGitHub, jobsCreated, R, resetNock, startApp, statusEdits, statusLine } from './harness.js';

const cloneUrl = () => makeRemote({ 'a.txt': 'a\n' }).url;

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('durable jobs through the app', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('a redelivered webhook and the same comment seen twice make one job', async () => {
    const h = await startApp({ writes: { 'a.txt': 'b\n' }, lines: claudeLines('done') });
    const gh = happyGitHub();
    const url = cloneUrl();
    const payload = commentPayload('/agent go', { cloneUrl: url });
    await h.probot.receive({ id: 'same-delivery', name: 'issue_comment', payload: payload as never });
    await h.probot.receive({ id: 'same-delivery', name: 'issue_comment', payload: payload as never });
    await h.probot.receive({ id: 'another-delivery', name: 'issue_comment', payload: payload as never });
    const label = labeledPayload('agent', { cloneUrl: url });
    await h.probot.receive({ id: 'label-delivery', name: 'issues', payload: label as never });
    await h.probot.receive({ id: 'label-delivery', name: 'issues', payload: label as never });
    await h.app.idle();
    expect(await jobsCreated(h)).toBe(2); // the comment once, the label once
    expect(gh.lines().filter((l) => l === `POST ${R}/issues/1/comments`)).toHaveLength(2);
    expect(gh.lines().filter((l) => l === `POST ${R}/issues/comments/492700400/reactions`)).toHaveLength(1);
  });

  it('two triggers on one issue run one after the other, and the second says it waits', async () => {
    const h = await startApp({ writes: { 'a.txt': 'b\n' }, lines: claudeLines('done'), sleep: 1 });
    const comments: number[] = [];
    const gh = happyGitHub({
      [`POST ${R}/issues/1/comments`]: () => [201, { id: 1001 + comments.push(1) - 1 }],
      [`PATCH ${R}/issues/comments/1002`]: () => [200, {}],
      [`POST ${R}/issues/comments/492700401/reactions`]: () => [201, {}],
    });
    const url = cloneUrl();
    await h.probot.receive({
      id: 'one',
      name: 'issue_comment',
      payload: commentPayload('/agent first', { cloneUrl: url }) as never,
    });
    const second = commentPayload('/agent second', { cloneUrl: url });
    (second.comment as { id: number }).id = 492700401;
    await h.probot.receive({ id: 'two', name: 'issue_comment', payload: second as never });
    await h.app.idle();

    const posted = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
    expect(posted.map((p) => p.body.split('\n').at(-1))).toEqual(['⏳ Queued…', '⏳ Queued behind 1 other run…']);
    const record = join(h.agentBin, 'record');
    const startsAt = readFileSync(join(record, 'starts'), 'utf8').trim().split('\n').map(Number);
    expect(startsAt).toHaveLength(2);
    expect(startsAt[1]! - startsAt[0]!).toBeGreaterThanOrEqual(1000); // the second started after the first slept 1 s
    // Each trigger is its own run with its own PR (the second on a suffixed branch).
    expect(gh.lines().filter((l) => l === `POST ${R}/pulls`)).toHaveLength(2);
  });

  it('`/agent stop` aborts a running job within seconds and drops a queued one, naming who cancelled', async () => {
    // One slot: the run on issue 1 holds it, so the job on issue 2 stays queued.
    const h = await startApp(
      { writes: { 'a.txt': 'b\n' }, lines: claudeLines('done'), sleep: 30 },
      { appEnv: { MAX_CONCURRENT_JOBS: '1' } },
    );
    const R2 = `${R}/issues/2`;
    const gh = happyGitHub({
      [`POST ${R2}/comments`]: () => [201, { id: 2001 }],
      [`PATCH ${R}/issues/comments/2001`]: () => [200, {}],
      [`POST ${R}/issues/comments/2/reactions`]: () => [201, {}],
      [`POST ${R}/issues/comments/3/reactions`]: () => [201, {}],
      [`POST ${R}/issues/comments/4/reactions`]: () => [201, {}],
    });
    const url = cloneUrl();
    const comment = (body: string, id: number, issue: number) => {
      const p = commentPayload(body, { cloneUrl: url });
      (p.comment as { id: number }).id = id;
      p.issue.number = issue;
      return p;
    };
    await h.probot.receive({ id: 'a', name: 'issue_comment', payload: comment('/agent first', 492700400, 1) as never });
    await h.probot.receive({ id: 'b', name: 'issue_comment', payload: comment('/agent second', 2, 2) as never });
    await waitFor('the first agent to run', () => statusEdits(gh).some((e) => e.includes('Running claude')));
    // The status says so before the process is up: wait for the stand-in agent itself (a busy machine is slow to start it).
    await waitFor('the agent process', () => existsSync(join(h.agentBin, 'record', 'starts')));
    expect((await h.app.store.stats()).queueDepth).toBe(1);

    await h.probot.receive({ id: 'c', name: 'issue_comment', payload: comment('/agent cancel', 3, 2) as never });
    const queuedEdits = gh.bodiesOf('PATCH', `${R}/issues/comments/2001`) as { body: string }[];
    expect(queuedEdits.at(-1)!.body).toMatch(/🛑 Cancelled by @Codertocat\.$/);

    const t0 = Date.now();
    await h.probot.receive({ id: 'd', name: 'issue_comment', payload: comment('/agent stop', 4, 1) as never });
    await h.app.idle();
    // Within seconds: far below the ~30 s the agent would still sleep if the stop did not kill it.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(statusLine(statusEdits(gh).at(-1)!)).toMatch(/^🛑 Cancelled by @Codertocat in \d+ s\.$/);
    expect(gh.lines()).not.toContain(`POST ${R}/git/trees`);
    expect((await h.app.store.stats()).byState.cancelled).toBe(2);
  });

  it('one `/agent stop` on an issue with a run and one queued behind it ends both: nothing runs after a stop', async () => {
    const h = await startApp({ writes: { 'a.txt': 'b\n' }, lines: claudeLines('done'), sleep: 30 });
    const gh = happyGitHub({
      [`PATCH ${R}/issues/comments/1002`]: () => [200, {}],
      [`POST ${R}/issues/comments/2/reactions`]: () => [201, {}],
      [`POST ${R}/issues/comments/3/reactions`]: () => [201, {}],
    });
    const url = cloneUrl();
    const comment = (body: string, id: number) => {
      const p = commentPayload(body, { cloneUrl: url });
      (p.comment as { id: number }).id = id;
      return p;
    };
    await h.probot.receive({ id: 'a', name: 'issue_comment', payload: comment('/agent first', 492700400) as never });
    await h.probot.receive({ id: 'b', name: 'issue_comment', payload: comment('/agent second', 2) as never });
    // The agent's own record of its start, not just the status edit: a stop that lands between
    // the two (quick, now that the config is cached) kills the agent before it writes it.
    const starts = join(h.agentBin, 'record', 'starts');
    await waitFor('the first agent to run', () => existsSync(starts));

    await h.probot.receive({ id: 'c', name: 'issue_comment', payload: comment('/agent stop', 3) as never });
    await h.app.idle();
    expect((gh.bodiesOf('PATCH', `${R}/issues/comments/1002`) as { body: string }[]).at(-1)!.body).toMatch(
      /🛑 Cancelled by @Codertocat\.$/,
    );
    expect(statusLine(statusEdits(gh).at(-1)!)).toMatch(/^🛑 Cancelled by @Codertocat in \d+ s\.$/);
    expect(readFileSync(starts, 'utf8').trim().split('\n')).toHaveLength(1);
    expect((await h.app.store.stats()).byState.cancelled).toBe(2);
  });
});
