import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobStore, StoredJob } from '../../../src/jobs/store/index.js';
import type { Outcome } from '../../../src/domain/outcome.js';
import { createFixture, makeJob, type BackendName, type JobSpec, type StoreFixture } from './fixtures.js';

const T0 = 1_700_000_000_000;
const LEASE = 30_000;
const WIDE = { global: 100, perInstallation: 100 };
const PR: Outcome = {
  kind: 'pr',
  number: 42,
  url: 'https://github.com/octo/hello/pull/42',
  branch: 'agent/issue-1',
  files: ['a.ts'],
};

describe.each<BackendName>(['sqlite', 'postgres'])('JobStore contract: %s', (backend) => {
  let fx: StoreFixture;
  let clock: { t: number };
  let store: JobStore;
  const now = () => clock.t;

  beforeEach(async () => {
    clock = { t: T0 };
    fx = await createFixture(backend);
    store = await fx.open(now);
  });
  afterEach(async () => {
    await fx?.cleanup();
  });

  const job = (spec: JobSpec) => makeJob({ createdAt: clock.t, ...spec });

  /** Enqueues with the job id as dedupe key (created at the current clock time unless given). */
  async function add(spec: JobSpec): Promise<StoredJob> {
    const r = await store.enqueue(job(spec), `key-${spec.id}`);
    expect(r.created).toBe(true);
    return r.job;
  }

  async function claimIds(s: JobStore, worker: string, limits = WIDE): Promise<(string | undefined)[]> {
    const ids: (string | undefined)[] = [];
    for (;;) {
      const j = await s.claim(worker, LEASE, limits);
      ids.push(j?.id);
      if (!j) return ids;
    }
  }

  describe('migrations', () => {
    it('opening the same storage again (and twice at once) migrates nothing twice and keeps the rows', async () => {
      await add({ id: 'a' });
      const [again, third] = await Promise.all([fx.open(now), fx.open(now)]);
      expect((await again.get('a'))?.state).toBe('queued');
      expect((await third.stats()).byState.queued).toBe(1);
      const versions = await fx.query('SELECT version FROM schema_migrations ORDER BY version');
      expect(versions.map((r) => Number(r.version))).toEqual([1, 2, 3, 4, 6, 7]);
    });

    it('refuses a database migrated by a newer version of the app', async () => {
      await fx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [999, 'future', 0]);
      await expect(fx.open(now)).rejects.toThrow(/schema is at version 999 but this app knows only up to 7/);
    });
  });

  describe('enqueue', () => {
    it('stores the whole Job and its columns', async () => {
      const full = makeJob({
        id: 'a',
        issue: 7,
        installationId: 31,
        owner: 'Octo',
        repo: 'Hello',
        agent: 'codex',
        createdAt: T0,
        timeoutMinutes: 5,
      });
      const { job: stored, created, ahead } = await store.enqueue(full, 'delivery-a:comment');
      expect({ created, ahead }).toEqual({ created: true, ahead: 0 });
      expect(stored).toEqual({
        id: 'a',
        dedupeKey: 'delivery-a:comment',
        deliveryId: 'delivery-a',
        installationId: 31,
        repoOwner: 'Octo',
        repoName: 'Hello',
        issueNumber: 7,
        issueKey: 'octo/hello#7',
        agent: 'codex',
        state: 'queued',
        job: full,
        createdAt: T0,
        deadlineAt: T0 + 5 * 60_000,
        attempts: 0,
        statusCommentId: 5_000_000_001,
      });
      expect(await store.get('a')).toEqual(stored);
    });

    it('the same dedupe key twice gives one row', async () => {
      const first = await store.enqueue(job({ id: 'a' }), 'delivery-1:label');
      const again = await store.enqueue(job({ id: 'b' }), 'delivery-1:label');
      expect(first.created).toBe(true);
      expect(again.created).toBe(false);
      expect(again.job.id).toBe('a');
      expect(await store.get('b')).toBeUndefined();
      const other = await store.enqueue(job({ id: 'c' }), 'delivery-2:label');
      expect(other.created).toBe(true);
      expect((await store.stats()).byState.queued).toBe(2);
    });

    it('concurrent enqueues of one key from two store instances create one row', async () => {
      const other = await fx.open(now);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? store : other).enqueue(job({ id: `j${i}` }), 'delivery-race:comment'),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
      expect(await fx.query('SELECT id FROM jobs')).toHaveLength(1);
    });

    it('ahead counts the running and earlier queued jobs of the same issue only', async () => {
      const aheads: number[] = [];
      for (const id of ['a', 'b', 'c']) aheads.push((await store.enqueue(job({ id, issue: 1 }), id)).ahead);
      aheads.push((await store.enqueue(job({ id: 'x', issue: 2 }), 'x')).ahead);
      expect(aheads).toEqual([0, 1, 2, 0]);
      expect((await store.claim('w1', LEASE, WIDE))?.id).toBe('a');
      expect((await store.enqueue(job({ id: 'd', issue: 1 }), 'd')).ahead).toBe(3);
      // A duplicate reports the position of the existing row.
      expect((await store.enqueue(job({ id: 'zz', issue: 1 }), 'b')).ahead).toBe(1);
    });
  });

  describe('claim', () => {
    it('takes queued jobs in arrival order and marks them running with a lease', async () => {
      await add({ id: 'a', issue: 1, createdAt: T0 + 5 }); // trigger time does not reorder arrival
      await add({ id: 'b', issue: 2 });
      await add({ id: 'c', issue: 3 });
      clock.t = T0 + 1000;
      const first = await store.claim('w1', LEASE, WIDE);
      expect(first).toMatchObject({
        id: 'a',
        state: 'running',
        workerId: 'w1',
        attempts: 1,
        startedAt: T0 + 1000,
        leaseExpiresAt: T0 + 1000 + LEASE,
      });
      expect(await claimIds(store, 'w1')).toEqual(['b', 'c', undefined]);
    });

    it('runs one job per issue: the second waits until the first finishes', async () => {
      await add({ id: 'a1', issue: 1 });
      await add({ id: 'a2', issue: 1 });
      await add({ id: 'b1', issue: 2 });
      expect(await claimIds(store, 'w1')).toEqual(['a1', 'b1', undefined]);
      const other = await fx.open(now); // another replica sees the same rule
      expect(await other.claim('w2', LEASE, WIDE)).toBeUndefined();
      expect(await store.finish('a1', 'w1', PR)).toBe(true);
      expect((await other.claim('w2', LEASE, WIDE))?.id).toBe('a2');
    });

    it('issue keys ignore case, like GitHub', async () => {
      await add({ id: 'a', owner: 'Octo', repo: 'Hello', issue: 1 });
      await add({ id: 'b', owner: 'octo', repo: 'HELLO', issue: 1 });
      expect(await claimIds(store, 'w1')).toEqual(['a', undefined]);
    });

    it('holds the global limit across store instances', async () => {
      for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) await add({ id, issue: i + 1 });
      const other = await fx.open(now);
      const limits = { global: 2, perInstallation: 10 };
      expect((await store.claim('w1', LEASE, limits))?.id).toBe('a');
      expect((await other.claim('w2', LEASE, limits))?.id).toBe('b');
      expect(await store.claim('w1', LEASE, limits)).toBeUndefined();
      expect(await other.claim('w2', LEASE, limits)).toBeUndefined();
      await store.finish('a', 'w1', { kind: 'no-changes', answer: 'nothing to do' });
      expect((await other.claim('w2', LEASE, limits))?.id).toBe('c');
      expect(await store.claim('w1', LEASE, limits)).toBeUndefined();
    });

    it('holds the per-installation limit and lets other installations pass', async () => {
      await add({ id: 'x1', installationId: 1, issue: 1 });
      await add({ id: 'x2', installationId: 1, issue: 2 });
      await add({ id: 'x3', installationId: 1, issue: 3 });
      await add({ id: 'y1', installationId: 2, issue: 4 });
      expect(await claimIds(store, 'w1', { global: 10, perInstallation: 2 })).toEqual(['x1', 'x2', 'y1', undefined]);
      await store.finish('x2', 'w1', PR);
      expect(await claimIds(store, 'w1', { global: 10, perInstallation: 2 })).toEqual(['x3', undefined]);
    });

    it('counts a compare group as one slot per agent; a group over a limit runs only alone', async () => {
      await add({ id: 'single', issue: 1 });
      await add({ id: 'pair', issue: 2, compare: ['claude', 'codex'] });
      await add({ id: 'after', issue: 3 });
      // 1 + 2 > 2: the pair waits, and the single job behind it fits.
      expect(await claimIds(store, 'w1', { global: 2, perInstallation: 10 })).toEqual(['single', 'after', undefined]);
      await store.finish('single', 'w1', PR);
      expect(await claimIds(store, 'w1', { global: 2, perInstallation: 10 })).toEqual([undefined]);
      await store.finish('after', 'w1', PR);
      expect(await claimIds(store, 'w1', { global: 2, perInstallation: 10 })).toEqual(['pair', undefined]);
      await add({ id: 'trio', issue: 4, installationId: 2, compare: ['claude', 'codex', 'opencode'] });
      expect(await claimIds(store, 'w1', { global: 10, perInstallation: 2 })).toEqual(['trio', undefined]);
      await add({ id: 'next', issue: 5, installationId: 2 });
      expect(await claimIds(store, 'w1', { global: 10, perInstallation: 2 })).toEqual([undefined]);
    });
  });

  describe('leases', () => {
    it('heartbeat extends the lease only for the owner', async () => {
      await add({ id: 'a' });
      await store.claim('w1', LEASE, WIDE);
      clock.t = T0 + 20_000;
      expect(await store.heartbeat('a', 'w1', LEASE)).toBe(true);
      expect((await store.get('a'))?.leaseExpiresAt).toBe(T0 + 20_000 + LEASE);
      expect(await store.heartbeat('a', 'w2', LEASE)).toBe(false);
      expect(await store.heartbeat('missing', 'w1', LEASE)).toBe(false);
      // Extended past the first lease: the sweeper leaves it alone.
      expect(await store.reclaimExpired(T0 + LEASE + 1, 3)).toEqual({ requeued: [], failed: [], cancelled: [] });
    });

    it('a job of a worker known to be dead is requeued at once, its lease or not; other workers keep theirs', async () => {
      await add({ id: 'a', issue: 1 });
      await add({ id: 'b', issue: 2 });
      await store.claim('host:100:dead', LEASE, WIDE);
      await store.claim('host:200:live', LEASE, WIDE);
      expect((await store.runningWorkers()).sort()).toEqual(['host:100:dead', 'host:200:live']);
      const r = await store.reclaimExpired(T0, 3, ['host:100:dead']);
      expect(r.requeued.map((j) => [j.id, j.state])).toEqual([['a', 'queued']]);
      expect((await store.get('b'))?.state).toBe('running');
      expect(await store.runningWorkers()).toEqual(['host:200:live']);
    });

    it('an expired lease is requeued with its sandbox and session, and the old worker has lost it', async () => {
      await add({ id: 'a' });
      await store.claim('w1', LEASE, WIDE);
      expect(await store.record('a', { sandboxId: 'sbx-1', sessionId: 'sess-1', branch: 'agent/issue-1' })).toBe(true);
      const { requeued, failed } = await store.reclaimExpired(T0 + LEASE, 3);
      expect(failed).toEqual([]);
      expect(requeued.map((j) => [j.id, j.state, j.workerId, j.sandboxId, j.sessionId, j.branch, j.attempts])).toEqual([
        ['a', 'queued', undefined, 'sbx-1', 'sess-1', 'agent/issue-1', 1],
      ]);
      expect(await store.heartbeat('a', 'w1', LEASE)).toBe(false);
      expect(await store.finish('a', 'w1', PR)).toBe(false);
      const again = await store.claim('w2', LEASE, WIDE);
      expect(again).toMatchObject({ id: 'a', workerId: 'w2', attempts: 2, sandboxId: 'sbx-1', sessionId: 'sess-1' });
      expect(await store.finish('a', 'w2', PR)).toBe(true);
    });

    it('fails a job whose lease expired maxAttempts times', async () => {
      await add({ id: 'a' });
      for (let attempt = 1; attempt <= 2; attempt++) {
        expect((await store.claim(`w${attempt}`, LEASE, WIDE))?.attempts).toBe(attempt);
        clock.t += LEASE;
        expect((await store.reclaimExpired(clock.t, 2)).requeued.map((j) => j.id)).toEqual(attempt < 2 ? ['a'] : []);
      }
      const j = await store.get('a');
      expect(j).toMatchObject({ state: 'failed', attempts: 2, finishedAt: clock.t });
      expect(j?.outcome).toEqual({ kind: 'failed', reason: expect.stringMatching(/stopped responding 2 times/) });
      expect(j?.error).toMatch(/stopped responding 2 times/);
      expect(await store.isActive('a')).toBe(false);
      expect(await store.claim('w3', LEASE, WIDE)).toBeUndefined();
    });

    it('reports the failed ones separately from the requeued ones', async () => {
      await add({ id: 'a', issue: 1 });
      await add({ id: 'b', issue: 2 });
      await store.claim('w1', LEASE, WIDE);
      clock.t += LEASE;
      await store.reclaimExpired(clock.t, 2);
      await store.claim('w1', LEASE, WIDE); // a, 2nd attempt
      await store.claim('w1', LEASE, WIDE); // b, 1st attempt
      clock.t += LEASE;
      const r = await store.reclaimExpired(clock.t, 2);
      expect(r.failed.map((j) => [j.id, j.state])).toEqual([['a', 'failed']]);
      expect(r.requeued.map((j) => [j.id, j.state])).toEqual([['b', 'queued']]);
    });

    it('releaseForShutdown hands the job back without counting an attempt', async () => {
      await add({ id: 'a' });
      await store.claim('w1', LEASE, WIDE);
      await store.record('a', { sandboxId: 'sbx-1' });
      expect(await store.releaseForShutdown('a', 'w2')).toBe(false);
      expect(await store.releaseForShutdown('a', 'w1')).toBe(true);
      expect(await store.get('a')).toMatchObject({ state: 'queued', attempts: 0, sandboxId: 'sbx-1' });
      expect((await store.get('a'))?.workerId).toBeUndefined();
      expect(await store.releaseForShutdown('a', 'w1')).toBe(false);
      expect(await store.claim('w2', LEASE, WIDE)).toMatchObject({ id: 'a', attempts: 1, sandboxId: 'sbx-1' });
    });
  });

  describe('cancel', () => {
    it('queued jobs are cancelled at once, every one of the issue and no other', async () => {
      const a = await add({ id: 'a', issue: 1 });
      await add({ id: 'b', issue: 1 });
      await add({ id: 'other', issue: 2 });
      const r = await store.requestCancel(a.issueKey, 'bob');
      expect(r.map((c) => [c.job.id, c.wasRunning])).toEqual([
        ['a', false],
        ['b', false],
      ]);
      expect(r[0]?.job).toMatchObject({
        id: 'a',
        state: 'cancelled',
        cancelRequestedBy: 'bob',
        outcome: { kind: 'cancelled', by: 'bob' },
        finishedAt: T0,
      });
      expect(await store.isActive('a')).toBe(false);
      expect(await store.isActive('b')).toBe(false);
      expect((await store.claim('w1', LEASE, WIDE))?.id).toBe('other');
    });

    it('a running job is flagged for its worker, which then finishes it as cancelled', async () => {
      const a = await add({ id: 'a', issue: 1 });
      await add({ id: 'b', issue: 1 });
      await store.claim('w1', LEASE, WIDE);
      expect(await store.cancelRequested('a')).toBeUndefined();
      const r = await store.requestCancel(a.issueKey, 'bob');
      // The running one flagged, the one queued behind it cancelled: nothing runs after a stop.
      expect(r.map((c) => [c.job.id, c.wasRunning])).toEqual([
        ['a', true],
        ['b', false],
      ]);
      expect(r[0]?.job).toMatchObject({ id: 'a', state: 'running', cancelRequestedBy: 'bob' });
      expect(await store.cancelRequested('a')).toBe('bob');
      // A second stop keeps the first name and still targets the running job.
      expect((await store.requestCancel(a.issueKey, 'carol')).map((c) => c.job.cancelRequestedBy)).toEqual(['bob']);
      expect(await store.isActive('b')).toBe(false);
      expect(await store.finish('a', 'w1', { kind: 'cancelled', by: 'bob' })).toBe(true);
      expect((await store.get('a'))?.state).toBe('cancelled');
    });

    it('a flagged job whose worker died ends cancelled instead of running again', async () => {
      const a = await add({ id: 'a' });
      await store.claim('w1', LEASE, WIDE);
      await store.requestCancel(a.issueKey, 'bob');
      const r = await store.reclaimExpired(T0 + LEASE, 3);
      expect(r.cancelled.map((j) => [j.id, j.state, j.outcome])).toEqual([
        ['a', 'cancelled', { kind: 'cancelled', by: 'bob' }],
      ]);
      expect(r.requeued).toEqual([]);
    });

    it('nothing to cancel: empty', async () => {
      expect(await store.requestCancel('octo/hello#1', 'bob')).toEqual([]);
      await add({ id: 'a' });
      await store.claim('w1', LEASE, WIDE);
      await store.finish('a', 'w1', PR);
      expect(await store.requestCancel('octo/hello#1', 'bob')).toEqual([]);
    });
  });

  describe('finish', () => {
    it('sets the final state once, from the outcome', async () => {
      await add({ id: 'a' });
      await store.claim('w1', LEASE, WIDE);
      clock.t = T0 + 5000;
      expect(await store.finish('a', 'w2', PR)).toBe(false);
      expect(await store.finish('a', 'w1', PR, { costUsd: 0.42 })).toBe(true);
      expect(await store.finish('a', 'w1', { kind: 'failed', reason: 'late' })).toBe(false);
      const j = await store.get('a');
      expect(j).toMatchObject({
        state: 'succeeded',
        outcome: PR,
        prNumber: 42,
        branch: 'agent/issue-1',
        costUsd: 0.42,
        finishedAt: T0 + 5000,
      });
      expect(j?.leaseExpiresAt).toBeUndefined();
      expect(j?.error).toBeUndefined();
      expect(await store.isActive('a')).toBe(false);
    });

    it.each<[Outcome, string, string | undefined]>([
      [{ kind: 'no-changes', answer: 'It already works.' }, 'no_changes', undefined],
      [{ kind: 'failed', reason: 'the agent crashed' }, 'failed', 'the agent crashed'],
      [{ kind: 'cancelled', by: 'bob' }, 'cancelled', undefined],
    ])('%j ends in state %s', async (outcome, state, error) => {
      await add({ id: 'a' });
      await store.claim('w1', LEASE, WIDE);
      expect(await store.finish('a', 'w1', outcome)).toBe(true);
      const j = await store.get('a');
      expect([j?.state, j?.outcome, j?.error]).toEqual([state, outcome, error]);
    });

    it('a queued job cannot be finished by a worker', async () => {
      await add({ id: 'a' });
      expect(await store.finish('a', 'w1', PR)).toBe(false);
      expect((await store.get('a'))?.state).toBe('queued');
    });
  });

  describe('deadlines', () => {
    it('a queued job past its deadline is not started but failed with a timeout', async () => {
      await add({ id: 'late', issue: 1, timeoutMinutes: 1 });
      await add({ id: 'fine', issue: 2, timeoutMinutes: 30 });
      clock.t = T0 + 60_000;
      expect(await claimIds(store, 'w1', { global: 10, perInstallation: 10 })).toEqual(['fine', undefined]);
      const expired = await store.expireOverdue(clock.t);
      expect(expired.map((j) => [j.id, j.state])).toEqual([['late', 'failed']]);
      expect(expired[0]?.outcome).toEqual({
        kind: 'failed',
        reason: expect.stringMatching(/timed out after 1 minute .*queue/),
      });
      expect(await store.expireOverdue(clock.t)).toEqual([]);
      expect((await store.get('fine'))?.state).toBe('running');
    });

    it('a job requeued after its worker died and then past its deadline says it had started', async () => {
      await add({ id: 'crashed', timeoutMinutes: 1 });
      expect(await claimIds(store, 'w1')).toEqual(['crashed', undefined]);
      clock.t = T0 + LEASE + 1;
      expect((await store.reclaimExpired(clock.t, 3)).requeued.map((j) => j.id)).toEqual(['crashed']);
      clock.t = T0 + 60_000;
      const [expired] = await store.expireOverdue(clock.t);
      expect(expired?.outcome).toEqual({
        kind: 'failed',
        reason:
          'timed out after 1 minute (`timeoutMinutes`): the worker running it stopped, and it could not be run again in time',
      });
    });
  });

  describe('record, get, isActive', () => {
    it('records what the worker learns; unknown ids report false', async () => {
      await add({ id: 'a' });
      expect(
        await store.record('a', {
          statusCommentId: 9_000_000_000,
          prNumber: 3,
          costUsd: 1.5,
          checkpoint: '{"sandboxId":"sb-1"}',
        }),
      ).toBe(true);
      expect(await store.get('a')).toMatchObject({
        statusCommentId: 9_000_000_000,
        prNumber: 3,
        costUsd: 1.5,
        checkpoint: '{"sandboxId":"sb-1"}',
      });
      expect(await store.record('nope', { sandboxId: 'x' })).toBe(false);
      expect(await store.record('a', {})).toBe(true);
      expect(await store.get('nope')).toBeUndefined();
      expect(await store.isActive('nope')).toBe(false);
      expect(await store.isActive('a')).toBe(true);
    });

    it('a sandbox is in use while a job using it is queued or running, and while a finished job keeps it', async () => {
      await add({ id: 'a' });
      await store.claim('w1', LEASE, WIDE);
      await store.record('a', { sandboxId: 'sb-kept' });
      expect(await store.sandboxInUse('sb-kept', clock.t)).toBe(true);
      expect(await store.sandboxInUse('sb-other', clock.t)).toBe(false);

      await store.record('a', { sandboxKeptUntil: clock.t + 60_000 });
      expect(await store.finish('a', 'w1', PR)).toBe(true);
      expect((await store.get('a'))?.sandboxKeptUntil).toBe(clock.t + 60_000);
      expect(await store.sandboxInUse('sb-kept', clock.t + 59_999)).toBe(true);
      expect(await store.sandboxInUse('sb-kept', clock.t + 60_000)).toBe(false);

      // A follow-up resumed in it: in use again while it runs, whatever the first job's window says.
      await add({ id: 'b', issue: 2 });
      await store.claim('w1', LEASE, WIDE);
      await store.record('b', { sandboxId: 'sb-kept' });
      expect(await store.sandboxInUse('sb-kept', clock.t + 120_000)).toBe(true);
      expect(await store.finish('b', 'w1', { kind: 'no-changes', answer: 'nothing to do' })).toBe(true);
      expect(await store.sandboxInUse('sb-kept', clock.t + 120_000)).toBe(false);
    });

    it('a worker records only while it holds the running job', async () => {
      await add({ id: 'a' });
      await store.claim('w1', LEASE, WIDE);
      expect(await store.record('a', { sessionId: 'mine' }, 'w1')).toBe(true);
      expect(await store.record('a', { sessionId: 'stale' }, 'w0')).toBe(false);
      expect((await store.get('a'))?.sessionId).toBe('mine');
      await store.reclaimExpired(T0 + LEASE, 3);
      expect(await store.record('a', { sessionId: 'after losing it' }, 'w1')).toBe(false);
      expect(await store.record('a', { statusCommentId: 7 })).toBe(true); // the handler, not a worker
      expect(await store.get('a')).toMatchObject({ sessionId: 'mine', statusCommentId: 7 });
    });

    it('values are bound, not spliced into SQL', async () => {
      const evil = "x'); DELETE FROM jobs; --";
      await add({ id: evil, owner: "o'brien" });
      await store.record(evil, { branch: evil });
      expect(await store.get(evil)).toMatchObject({ id: evil, branch: evil, repoOwner: "o'brien" });
      expect(await fx.query('SELECT id FROM jobs')).toHaveLength(1);
    });
  });

  describe('latestForPullRequest', () => {
    it('finds the newest job that worked on a PR in any state, running included, ignoring other repos', async () => {
      await add({ id: 'old' });
      await add({ id: 'new', issue: 2 });
      await add({ id: 'other-repo', repo: 'elsewhere', issue: 3 });
      for (const id of ['old', 'new', 'other-repo']) {
        expect((await store.claim('w', LEASE, WIDE))?.id).toBe(id);
        await store.record(id, { prNumber: 42, sessionId: `s-${id}` });
        clock.t += 1000;
        expect(await store.finish(id, 'w', PR)).toBe(true);
      }
      expect(await store.latestForPullRequest({ owner: 'OCTO', name: 'hello' }, 42)).toMatchObject({
        id: 'new',
        sessionId: 's-new',
      });
      expect(await store.latestForPullRequest({ owner: 'octo', name: 'hello' }, 43)).toBeUndefined();
      // A run that opened the PR and is still finishing: the PR is the app's from that moment.
      await add({ id: 'running', issue: 4 });
      expect((await store.claim('w', LEASE, WIDE))?.id).toBe('running');
      await store.record('running', { prNumber: 42 });
      expect(await store.latestForPullRequest({ owner: 'octo', name: 'hello' }, 42)).toMatchObject({
        id: 'running',
        state: 'running',
      });
    });

    it("matches the repository by id when both sides know it, so a rename keeps the PR the app's", async () => {
      await add({ id: 'by-id', repoId: 1001, owner: 'old-owner', repo: 'old-name' });
      expect((await store.claim('w', LEASE, WIDE))?.id).toBe('by-id');
      await store.record('by-id', { prNumber: 7 });
      expect(await store.latestForPullRequest({ id: 1001, owner: 'new-owner', name: 'new-name' }, 7)).toMatchObject({
        id: 'by-id',
      });
      expect(await store.latestForPullRequest({ id: 2002, owner: 'old-owner', name: 'old-name' }, 7)).toBeUndefined();
      // Without an id on one side (a job of an older version), owner and name decide.
      expect(await store.latestForPullRequest({ owner: 'old-owner', name: 'old-name' }, 7)).toMatchObject({
        id: 'by-id',
      });
    });
  });

  describe('queuedFor', () => {
    it("gives the issue's oldest job still waiting to start, none once it runs", async () => {
      await add({ id: 'running', issue: 42 });
      expect((await store.claim('w', LEASE, WIDE))?.id).toBe('running');
      expect(await store.queuedFor('octo/hello#42')).toBeUndefined();
      await add({ id: 'next', issue: 42 });
      await add({ id: 'after', issue: 42 });
      await add({ id: 'elsewhere', issue: 7 });
      expect(await store.queuedFor('octo/hello#42')).toMatchObject({ id: 'next', state: 'queued' });
    });
  });

  describe('latestCompareFor', () => {
    it("gives the issue's newest compare group, in any state, and nothing else", async () => {
      await add({ id: 'group-1', issue: 42, compare: ['claude', 'codex'] });
      await add({ id: 'group-2', issue: 42, compare: ['codex', 'opencode'] });
      await add({ id: 'single', issue: 42 });
      await add({ id: 'elsewhere', issue: 7, compare: ['claude', 'codex'] });
      expect(await store.latestCompareFor('octo/hello#42')).toMatchObject({ id: 'group-2', state: 'queued' });
      expect(await store.latestCompareFor('octo/hello#9')).toBeUndefined();
    });
  });

  describe('compareResults', () => {
    it("gives the repository's finished compare results, newest first, at most `limit`", async () => {
      const result = (winner: 'claude' | 'codex') => ({
        contenders: [],
        winner,
        baseBranch: 'main',
        repoUrl: 'https://github.com/octo/hello',
      });
      for (const [i, winner] of (['claude', 'codex', 'claude'] as const).entries()) {
        await add({ id: `g${i}`, issue: i + 1, compare: ['claude', 'codex'] });
        expect((await store.claim('w', LEASE, WIDE))?.id).toBe(`g${i}`);
        await store.finish(`g${i}`, 'w', { kind: 'compared', compare: result(winner) });
      }
      await add({ id: 'running', issue: 9, compare: ['claude', 'codex'] });
      await add({ id: 'other-repo', repo: 'elsewhere', issue: 1, compare: ['claude', 'codex'] });
      expect(await store.compareResults({ owner: 'OCTO', name: 'hello' }, 2)).toEqual([
        result('claude'),
        result('codex'),
      ]);
      expect(await store.compareResults({ owner: 'octo', name: 'none' }, 2)).toEqual([]);
    });
  });

  describe('a follow-up waits for the run it continues', () => {
    it('is not claimed while that run is queued or running, and is claimed once it ended', async () => {
      await add({ id: 'opening', issue: 1 });
      expect((await store.claim('w', LEASE, WIDE))?.id).toBe('opening');
      await store.record('opening', { prNumber: 42 });
      // The follow-up is on the PR (another issue key), so only its previous run holds it back.
      await add({ id: 'follow-up', issue: 42, followUp: { pr: 42, previous: 'opening' } });
      await add({ id: 'unrelated', issue: 9 });
      expect((await store.claim('w', LEASE, WIDE))?.id).toBe('unrelated');
      expect(await store.claim('w', LEASE, WIDE)).toBeUndefined();
      expect(await store.finish('opening', 'w', PR)).toBe(true);
      expect((await store.claim('w', LEASE, WIDE))?.id).toBe('follow-up');
    });
  });

  describe('stats, ping', () => {
    it('counts by state and agent, queue depth and the oldest wait', async () => {
      expect(await store.stats()).toEqual({
        byState: { queued: 0, running: 0, succeeded: 0, no_changes: 0, failed: 0, cancelled: 0 },
        byAgent: [],
        queueDepth: 0,
        running: 0,
        oldestQueuedAgeMs: 0,
      });
      await add({ id: 'a', issue: 1, agent: 'claude' });
      clock.t = T0 + 100;
      await add({ id: 'b', issue: 2, agent: 'codex' });
      await add({ id: 'c', issue: 3, agent: 'codex' });
      await add({ id: 'd', issue: 4, agent: 'claude' });
      await store.claim('w1', LEASE, WIDE); // a
      await store.claim('w1', LEASE, WIDE); // b
      await store.finish('b', 'w1', PR);
      clock.t = T0 + 1100;
      const s = await store.stats();
      expect(s.byState).toEqual({ queued: 2, running: 1, succeeded: 1, no_changes: 0, failed: 0, cancelled: 0 });
      expect(s.byAgent).toEqual([
        { agent: 'claude', state: 'queued', count: 1 },
        { agent: 'claude', state: 'running', count: 1 },
        { agent: 'codex', state: 'queued', count: 1 },
        { agent: 'codex', state: 'succeeded', count: 1 },
      ]);
      expect([s.queueDepth, s.running, s.oldestQueuedAgeMs]).toEqual([2, 1, 1000]);
    });

    it('ping answers while open and fails after close', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await expect(store.ping()).rejects.toThrow();
    });
  });

  describe('webhook inbox', () => {
    const delivery = (id: string, receivedAt: number, owner = 'app-1') => ({
      deliveryId: id,
      name: 'issue_comment',
      payload: { action: 'created', comment: { id: 7, body: '/agent go' } },
      receivedAt,
      owner,
    });

    it('records a delivery once, keeps its payload, and forgets it when done', async () => {
      expect(await store.inboxAdd(delivery('d1', T0))).toBe(true);
      expect(await store.inboxAdd(delivery('d1', T0 + 5))).toBe(false);
      expect(await store.inboxTakeStale(T0 + 1, 'app-2', T0 + 10)).toEqual([{ ...delivery('d1', T0 + 10, 'app-2') }]);
      await store.inboxDone('d1');
      expect(await store.inboxTakeStale(Number.MAX_SAFE_INTEGER, 'app-2', T0 + 20)).toEqual([]);
      expect(await store.inboxAdd(delivery('d1', T0 + 30))).toBe(true); // a later redelivery is new work
    });

    it('hands over only deliveries older than the bound, each to one taker, and not again right after', async () => {
      await store.inboxAdd(delivery('old-1', T0));
      await store.inboxAdd(delivery('old-2', T0 + 1));
      await store.inboxAdd(delivery('fresh', T0 + 60_000));
      const other = await fx.open(now);
      const [a, b] = await Promise.all([
        store.inboxTakeStale(T0 + 30_000, 'app-2', T0 + 61_000),
        other.inboxTakeStale(T0 + 30_000, 'app-3', T0 + 61_000),
      ]);
      expect([...a, ...b].map((d) => d.deliveryId).sort()).toEqual(['old-1', 'old-2']);
      // Taken over at T0 + 61 s: not stale again for a look with the same bound.
      expect(await store.inboxTakeStale(T0 + 30_000, 'app-4', T0 + 62_000)).toEqual([]);
      await other.close();
    });
  });
});
