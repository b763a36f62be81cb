import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  grantFor,
  hashToken,
  jobIdOf,
  mintCapability,
  rotatedHashes,
  storeAuthorizer,
} from '../../src/broker/capability.js';
import { openJobStore } from '../../src/jobs/store/open.js';
import type { JobStore, StoredJob } from '../../src/jobs/store/types.js';
import { aJob } from '../helpers/job.js';

function stored(parts: Partial<StoredJob>): StoredJob {
  const job = aJob();
  return {
    id: job.id,
    dedupeKey: 'k',
    deliveryId: 'd',
    installationId: 1,
    repoOwner: 'acme',
    repoName: 'widgets',
    issueNumber: 5,
    issueKey: 'acme/widgets#5',
    agent: 'claude',
    state: 'running',
    job,
    createdAt: 0,
    deadlineAt: 1,
    attempts: 1,
    ...parts,
  };
}

describe('capability tokens', () => {
  it('name their job and are random; only the hash is kept', () => {
    const a = mintCapability('job-1');
    const b = mintCapability('job-1');
    expect(a.token).not.toBe(b.token);
    expect(jobIdOf(a.token)).toBe('job-1');
    expect(a.hash).toBe(hashToken(a.token));
    expect(a.hash).not.toContain(a.token.slice(-20));
  });

  it.each([
    ['another prefix', 'sk-ant-123_abc'],
    ['no secret part', 'iacap_job'],
    ['overlong', `iacap_${'x'.repeat(300)}_y`],
  ])('a token with %s names no job', (_name, token) => {
    expect(jobIdOf(token)).toBeUndefined();
  });

  it('grants the job its repository while it runs', () => {
    const cap = mintCapability('job-1');
    expect(grantFor(stored({ capabilityHash: cap.hash }), cap.token)).toEqual({
      jobId: 'job-1',
      installationId: 1,
      repo: { owner: 'acme', name: 'widgets', cloneUrl: 'https://github.com/acme/widgets.git' },
    });
  });

  it.each<[string, Partial<StoredJob>]>([
    ['finished', { state: 'succeeded' }],
    ['failed', { state: 'failed' }],
    ['cancelled', { state: 'cancelled' }],
    ['asked to stop', { cancelRequestedBy: 'alice' }],
  ])('refuses the token of a job that is %s', (_name, parts) => {
    const cap = mintCapability('job-1');
    expect(grantFor(stored({ capabilityHash: cap.hash, ...parts }), cap.token)).toBeUndefined();
  });

  it('refuses a token whose hash is not the job’s, and a job without one', () => {
    const cap = mintCapability('job-1');
    expect(grantFor(stored({ capabilityHash: mintCapability('job-1').hash }), cap.token)).toBeUndefined();
    expect(grantFor(stored({}), cap.token)).toBeUndefined();
  });

  it('keeps the previous attempt’s token valid next to the new one, and no older', () => {
    const first = mintCapability('job-1');
    const second = mintCapability('job-1');
    const third = mintCapability('job-1');
    const afterSecond = rotatedHashes(first.hash, second);
    const afterThird = rotatedHashes(afterSecond, third);
    expect(grantFor(stored({ capabilityHash: afterSecond }), first.token)).toBeDefined();
    expect(grantFor(stored({ capabilityHash: afterThird }), second.token)).toBeDefined();
    expect(grantFor(stored({ capabilityHash: afterThird }), third.token)).toBeDefined();
    expect(grantFor(stored({ capabilityHash: afterThird }), first.token)).toBeUndefined();
  });

  it('stays valid for a job handed back to the queue (its agent still runs in the sandbox)', () => {
    const cap = mintCapability('job-1');
    expect(grantFor(stored({ capabilityHash: cap.hash, state: 'queued' }), cap.token)).toBeDefined();
  });
});

describe('storeAuthorizer', () => {
  let store: JobStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('grants while the job runs and refuses from the moment it ends', async () => {
    store = await openJobStore({ dataDir: mkdtempSync(join(tmpdir(), 'issue-agent-cap-')) });
    const { job } = await store.enqueue({ ...aJob(), id: 'job-9', createdAt: Date.now() }, 'dedupe-9');
    const claimed = await store.claim('w1', 60_000, { global: 1, perInstallation: 1 });
    expect(claimed?.id).toBe(job.id);
    const cap = mintCapability(job.id);
    await store.record(job.id, { capabilityHash: cap.hash }, 'w1');
    const authorize = storeAuthorizer(store);
    expect((await authorize(cap.token))?.jobId).toBe(job.id);
    expect(await authorize(mintCapability(job.id).token)).toBeUndefined();
    expect(await authorize(cap.token.replace('job-9', 'job-8'))).toBeUndefined();
    await store.finish(job.id, 'w1', { kind: 'no-changes', answer: '' });
    expect(await authorize(cap.token)).toBeUndefined();
  });
});
