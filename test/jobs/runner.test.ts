import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { JobRunner } from '../../src/jobs/runner.js';
import { type AbortReason } from '../../src/domain/abort.js';
import { openJobStore, type JobStore } from '../../src/jobs/store/index.js';
import { makeJob } from './store/make-job.js';

const LEASE_MS = 600;

describe('JobRunner leases', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  /** A runner on a fresh SQLite store with one queued job; its worker waits until aborted and reports why. */
  async function runOneJob(wrap: (store: JobStore) => JobStore, onStore: (store: JobStore) => void = () => undefined) {
    const dir = await mkdtemp(join(tmpdir(), 'runner-'));
    const store = await openJobStore({ dataDir: dir });
    onStore(store);
    await store.enqueue(makeJob({ id: 'j1', createdAt: Date.now() }), 'key-j1');
    let aborted: (reason: AbortReason) => void = () => undefined;
    const reason = new Promise<AbortReason>((resolve) => (aborted = resolve));
    const runner = new JobRunner({
      store: wrap(store),
      run: (_job, signal) =>
        new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => {
            aborted(signal.reason as AbortReason);
            resolve();
          }),
        ),
      workerId: 'w1',
      slots: 1,
      limits: { global: 1, perInstallation: 1 },
      leaseMs: LEASE_MS,
      pollMs: 60_000,
      maxAttempts: 3,
      onEndedWithoutWorker: async () => undefined,
      log: pino({ level: 'silent' }),
    });
    runner.start();
    cleanups.push(async () => {
      await runner.stop(0);
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    return { reason, started: Date.now() };
  }

  it('a worker that cannot renew its lease stops once the lease has run out (another replica may run the job by now)', async () => {
    const storeDown = (store: JobStore) =>
      new Proxy(store, {
        get(target, key) {
          if (key === 'heartbeat') return async () => Promise.reject(new Error('connection refused'));
          const value: unknown = Reflect.get(target, key);
          return typeof value === 'function' ? (value.bind(target) as unknown) : value;
        },
      });
    const { reason, started } = await runOneJob(storeDown);
    expect(await reason).toEqual({ kind: 'lease-lost' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(LEASE_MS - 50);
  });

  it('a `/agent stop` recorded by another replica reaches the worker with its next heartbeat', async () => {
    let store: JobStore | undefined;
    const { reason } = await runOneJob(
      (s) => s,
      (s) => (store = s),
    );
    while ((await store!.get('j1'))?.state !== 'running') await new Promise((r) => setTimeout(r, 20));
    const [cancelled] = await store!.requestCancel('octo/hello#1', 'carol');
    expect(cancelled?.wasRunning).toBe(true);
    const started = Date.now();
    expect(await reason).toEqual({ kind: 'cancelled', by: 'carol' });
    expect(Date.now() - started).toBeLessThan(5_000); // heartbeats every 200 ms here (2 s at most in production)
  });

  it('a worker whose heartbeats go through keeps running past its first lease', async () => {
    const { reason } = await runOneJob((store) => store);
    const outcome = await Promise.race([
      reason,
      new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 3 * LEASE_MS)),
    ]);
    expect(outcome).toBe('still running');
  });
});
