import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobStore } from '../../../src/jobs/store/index.js';
import { TRUNCATED_TEXT } from '../../../src/domain/transcript.js';
import { createFixture, makeJob, type BackendName, type StoreFixture } from './fixtures.js';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

describe.each<BackendName>(['sqlite', 'postgres'])('transcripts, lists and spend: %s', (backend) => {
  let fx: StoreFixture;
  let store: JobStore;
  let t = T0;

  beforeEach(async () => {
    t = T0;
    fx = await createFixture(backend);
    store = await fx.open(() => t);
  });
  afterEach(async () => {
    await fx?.cleanup();
  });

  it('keeps a job’s entries in order, resumes after a seq, and tallies them', async () => {
    await store.appendTranscript('a', [
      { at: T0, kind: 'phase', text: 'cloning' },
      { at: T0 + 1, kind: 'tool', text: 'Bash: ran `ls`', detail: '{"command":"ls"}' },
    ]);
    await store.appendTranscript('b', [{ at: T0, kind: 'message', text: 'other job' }]);
    await store.appendTranscript('a', [{ at: T0 + 2, kind: 'truncated', text: TRUNCATED_TEXT }]);

    const all = await store.transcript('a');
    expect(all.map((e) => e.kind)).toEqual(['phase', 'tool', 'truncated']);
    expect(all[1]).toEqual({
      seq: all[1]!.seq,
      at: T0 + 1,
      kind: 'tool',
      text: 'Bash: ran `ls`',
      detail: '{"command":"ls"}',
    });
    expect(all[0]).not.toHaveProperty('detail');
    expect(all[0]!.seq).toBeLessThan(all[1]!.seq);
    expect((await store.transcript('a', all[1]!.seq)).map((e) => e.kind)).toEqual(['truncated']);
    expect(await store.transcript('a', 0, 1)).toHaveLength(1);

    const bytes = 'cloning'.length + 'Bash: ran `ls`'.length + '{"command":"ls"}'.length + TRUNCATED_TEXT.length;
    expect(await store.transcriptTally('a')).toEqual({ events: 3, bytes, truncated: true });
    expect(await store.transcriptTally('b')).toEqual({ events: 1, bytes: 'other job'.length, truncated: false });
    expect(await store.transcriptTally('none')).toEqual({ events: 0, bytes: 0, truncated: false });
  });

  it('prunes entries older than the retention cut', async () => {
    await store.appendTranscript('a', [
      { at: T0 - 31 * DAY, kind: 'message', text: 'old' },
      { at: T0, kind: 'message', text: 'new' },
    ]);
    expect(await store.pruneTranscripts(T0 - 30 * DAY)).toBe(1);
    expect((await store.transcript('a')).map((e) => e.text)).toEqual(['new']);
  });

  it('lists jobs newest first, filtered by repository (any case), agent and state', async () => {
    await store.enqueue(makeJob({ id: 'a', owner: 'Octo', repo: 'Hello', createdAt: T0 }), 'ka');
    await store.enqueue(makeJob({ id: 'b', owner: 'octo', repo: 'other', agent: 'codex', createdAt: T0 }), 'kb');
    await store.enqueue(makeJob({ id: 'c', owner: 'octo', repo: 'hello', issue: 2, createdAt: T0 }), 'kc');
    await store.claim('w', 30_000, { global: 1, perInstallation: 1 });

    const ids = async (f: Parameters<JobStore['listJobs']>[0]) => (await store.listJobs(f)).map((j) => j.id);
    expect(await ids({ limit: 10 })).toEqual(['c', 'b', 'a']);
    expect(await ids({ limit: 2 })).toEqual(['c', 'b']);
    expect(await ids({ limit: 10, repos: ['octo/hello'] })).toEqual(['c', 'a']);
    expect(await ids({ limit: 10, repos: [] })).toEqual([]);
    expect(await ids({ limit: 10, agent: 'codex' })).toEqual(['b']);
    expect(await ids({ limit: 10, state: 'running' })).toEqual(['a']);
  });

  it('sums runs and cost per repository, agent and UTC day since a time', async () => {
    const day = Math.floor(T0 / DAY);
    await store.enqueue(makeJob({ id: 'old', createdAt: T0 - 40 * DAY }), 'k0');
    await store.enqueue(makeJob({ id: 'a', createdAt: T0 }), 'ka');
    await store.enqueue(makeJob({ id: 'b', createdAt: T0 + 1000 }), 'kb');
    await store.enqueue(makeJob({ id: 'c', agent: 'codex', createdAt: T0 + DAY }), 'kc');
    await store.addUsage('a', {
      inputTokens: 1,
      outputTokens: 1,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0.5,
    });
    await store.addUsage('b', {
      inputTokens: 1,
      outputTokens: 1,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0.25,
    });

    const rows = await store.spendByDay(T0 - DAY);
    expect(rows).toEqual([
      { owner: 'octo', name: 'hello', agent: 'claude', day, runs: 2, usd: 0.75 },
      { owner: 'octo', name: 'hello', agent: 'codex', day: day + 1, runs: 1, usd: 0 },
    ]);
  });
});
