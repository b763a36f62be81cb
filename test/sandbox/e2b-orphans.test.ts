import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { E2BSandboxProvider } from '../../src/sandbox/e2b.js';
import {
  cleanupOrphans,
  sandboxTags,
  startOrphanSweeper,
  type SandboxLister,
  type SandboxSummary,
} from '../../src/sandbox/orphans.js';
import { startFakeE2B, type FakeE2B } from '../fakes/e2b-server/index.js';
import { eventually, providerFor, spec } from './e2b-helpers.js';

let fake: FakeE2B;
let provider: E2BSandboxProvider;

beforeAll(async () => {
  fake = await startFakeE2B();
  provider = providerFor(fake);
});
afterAll(() => fake.close());
afterEach(() => {
  for (const sandbox of fake.sandboxes()) sandbox.die('drop');
});

const APP = '4242';

async function sandboxFor(jobId: string | undefined, appId = APP): Promise<string> {
  const metadata =
    jobId === undefined
      ? { app: appId }
      : sandboxTags({ appId, installationId: 7, repo: 'o/r', issue: 3, jobId, agent: 'claude' });
  return (await provider.create(spec({ metadata }))).id;
}

describe('sandboxTags', () => {
  it('tags app, installation, repo, issue, job and agent as strings', () => {
    expect(sandboxTags({ appId: 1, installationId: 2, repo: 'o/r', issue: 3, jobId: 'j', agent: 'codex' })).toEqual({
      app: '1',
      installation: '2',
      repo: 'o/r',
      issue: '3',
      job: 'j',
      agent: 'codex',
    });
  });
});

describe('cleanupOrphans against E2B (the local stand-in)', () => {
  it("kills this app's sandboxes whose job finished or is unknown, and keeps the rest", async () => {
    const active = await sandboxFor('job-running');
    const finished = await sandboxFor('job-done');
    const untagged = await sandboxFor(undefined);
    const otherApp = await sandboxFor('job-done', '999');
    const asked: string[] = [];

    const report = await cleanupOrphans({
      sandboxes: provider,
      appId: APP,
      isJobActive: async (jobId) => {
        asked.push(jobId);
        return jobId === 'job-running';
      },
      graceMs: 0,
    });

    expect(report.killed.sort()).toEqual([finished, untagged].sort());
    expect(report.kept).toEqual([active]);
    expect(report.failed).toEqual([]);
    expect(asked.sort()).toEqual(['job-done', 'job-running']);
    expect(
      fake
        .sandboxes()
        .map((s) => s.id)
        .sort(),
    ).toEqual([active, otherApp].sort());
    // The listing asked E2B for this app's sandboxes only.
    const listing = fake.requests.findLast(
      (r) => r.plane === 'api' && r.method === 'GET' && r.path.startsWith('/v2/sandboxes'),
    );
    expect(new URL(listing!.path, 'http://x').searchParams.get('metadata')).toBe('app=4242');
  });

  it('leaves sandboxes younger than the grace period alone', async () => {
    const young = await sandboxFor('job-done');
    const report = await cleanupOrphans({ sandboxes: provider, appId: APP, isJobActive: () => false, graceMs: 60_000 });
    expect(report).toEqual({ killed: [], kept: [young], failed: [] });

    const later = await cleanupOrphans({
      sandboxes: provider,
      appId: APP,
      isJobActive: () => false,
      graceMs: 60_000,
      now: () => Date.now() + 61_000,
    });
    expect(later.killed).toEqual([young]);
  });

  it('cleans up the sandbox E2B started after our create request timed out', async () => {
    fake.delayCreate(400);
    const impatient = providerFor(fake, { requestTimeoutMs: 100, createRetry: { attempts: 1 } });
    await expect(
      impatient.create(
        spec({ metadata: sandboxTags({ appId: APP, installationId: 1, repo: 'o/r', issue: 1, jobId: 'job-x' }) }),
      ),
    ).rejects.toThrow('E2B is unavailable');
    await eventually(() => fake.sandboxes().length === 1);
    // The job failed and is over, so its late sandbox is an orphan.
    const report = await cleanupOrphans({ sandboxes: provider, appId: APP, isJobActive: () => false, graceMs: 0 });
    expect(report.killed).toHaveLength(1);
    expect(fake.sandboxes()).toEqual([]);
  });
});

describe('startOrphanSweeper', () => {
  it('sweeps at start and then every interval until stopped', async () => {
    const first = await sandboxFor('job-1');
    const reports: string[][] = [];
    const sweeper = startOrphanSweeper({
      sandboxes: provider,
      appId: APP,
      isJobActive: () => false,
      graceMs: 0,
      intervalMs: 100,
      onReport: (r) => reports.push(r.killed),
    });
    try {
      await eventually(() => reports.length >= 1);
      expect(reports[0]).toEqual([first]);
      const second = await sandboxFor('job-2');
      await eventually(() => reports.some((killed) => killed.includes(second)));
    } finally {
      await sweeper.stop();
    }
    const third = await sandboxFor('job-3');
    const seen = reports.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reports.length).toBe(seen);
    expect(fake.sandbox(third)).toBeDefined();
  });

  it('reports a failed listing through onError and keeps going', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const lister: SandboxLister = {
      list: async () => {
        calls++;
        if (calls === 1) throw new Error('E2B is unavailable');
        return [];
      },
      kill: async () => undefined,
    };
    const sweeper = startOrphanSweeper({
      sandboxes: lister,
      appId: APP,
      isJobActive: () => false,
      graceMs: 0,
      intervalMs: 30,
      onError: (e) => errors.push(e),
    });
    try {
      await eventually(() => calls >= 2);
    } finally {
      await sweeper.stop();
    }
    expect(errors).toEqual([new Error('E2B is unavailable')]);
  });

  it('stop waits for a sweep in progress, so nothing runs against a closed job store', async () => {
    let release: () => void = () => undefined;
    const listing = new Promise<void>((resolve) => (release = resolve));
    let listed = false;
    const lister: SandboxLister = {
      list: async () => {
        listed = true;
        await listing;
        return [];
      },
      kill: async () => undefined,
    };
    const reports: unknown[] = [];
    const sweeper = startOrphanSweeper({
      sandboxes: lister,
      appId: APP,
      isJobActive: () => false,
      graceMs: 0,
      onReport: (r) => reports.push(r),
    });
    await eventually(() => listed);
    let stopped = false;
    const stopping = sweeper.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(reports).toHaveLength(1);
  });
});

describe('cleanupOrphans with a failing provider', () => {
  const old = new Date(Date.now() - 3_600_000);
  const summary = (id: string, job?: string): SandboxSummary => ({
    id,
    metadata: { app: APP, ...(job && { job }) },
    startedAt: old,
  });

  it('a kill that fails or a job lookup that fails does not stop the sweep, and the sandbox is not counted as killed', async () => {
    const killed: string[] = [];
    const lister: SandboxLister = {
      list: async () => [summary('a', 'j-a'), summary('b', 'j-b'), summary('c', 'j-c')],
      kill: async (id) => {
        if (id === 'a') throw new Error('HTTP 500');
        killed.push(id);
      },
    };
    const report = await cleanupOrphans({
      sandboxes: lister,
      appId: APP,
      isJobActive: (jobId) => {
        if (jobId === 'j-b') throw new Error('database is locked');
        return false;
      },
      graceMs: 0,
    });
    expect(killed).toEqual(['c']);
    expect(report.killed).toEqual(['c']);
    expect(report.kept).toEqual([]);
    expect(report.failed.map((f) => f.id)).toEqual(['a', 'b']);
  });
});
