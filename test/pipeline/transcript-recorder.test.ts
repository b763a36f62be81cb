import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../src/jobs/store/index.js';
import { TranscriptRecorder } from '../../src/pipeline/transcript-recorder.js';
import { Redactor } from '../../src/security/redactor.js';

const log = pino({ level: 'silent' });

describe('TranscriptRecorder', () => {
  it('stores phases and agent events redacted, in order, in batches', async () => {
    const store = SqliteJobStore.open({ path: ':memory:' });
    const redactor = new Redactor();
    redactor.add('sk-the-secret-value');
    const rec = await TranscriptRecorder.open({
      store,
      jobId: 'j',
      redact: (t) => redactor.redact(t),
      log,
      now: () => 7,
    });
    rec.phase('cloning');
    rec.event({ kind: 'tool', name: 'Bash', description: 'ran `env`', input: { command: 'echo sk-the-secret-value' } });
    rec.event({ kind: 'usage', inputTokens: 1 });
    rec.event({ kind: 'output', text: 'KEY=sk-the-secret-value' });
    expect(await store.transcript('j')).toEqual([]); // batched until the flush
    await rec.flush();
    const entries = await store.transcript('j');
    expect(entries.map((e) => e.kind)).toEqual(['phase', 'tool', 'output']);
    expect(JSON.stringify(entries)).not.toContain('sk-the-secret-value');
    expect(entries[2]!.detail).toMatch(/^KEY=\S+$/);
    await store.close();
  });

  it('a rerun continues the bounds of the earlier attempt', async () => {
    const store = SqliteJobStore.open({ path: ':memory:' });
    const limits = { events: 3, bytes: 1000, fieldBytes: 100 };
    const first = await TranscriptRecorder.open({ store, jobId: 'j', redact: (t) => t, log, limits });
    first.event({ kind: 'message', text: 'one' });
    await first.flush();
    const second = await TranscriptRecorder.open({ store, jobId: 'j', redact: (t) => t, log, limits });
    for (const text of ['two', 'three', 'four']) second.event({ kind: 'message', text });
    await second.flush();
    expect((await store.transcript('j')).map((e) => e.kind)).toEqual(['message', 'message', 'truncated']);
    await store.close();
  });

  it('writes by itself after the batch interval', async () => {
    const store = SqliteJobStore.open({ path: ':memory:' });
    const rec = await TranscriptRecorder.open({ store, jobId: 'j', redact: (t) => t, log, flushMs: 10 });
    rec.event({ kind: 'message', text: 'soon' });
    await expect.poll(async () => (await store.transcript('j')).length).toBe(1);
    await store.close();
  });
});
