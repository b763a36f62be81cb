import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../src/jobs/store/index.js';
import { startTranscriptPruning } from '../../src/handlers/transcript-retention.js';

const DAY = 86_400_000;
const NOW = 1_700_000_000_000;

describe('transcript retention', () => {
  it('deletes entries older than the retention at start and on every tick', async () => {
    const store = SqliteJobStore.open({ path: ':memory:' });
    await store.appendTranscript('j', [
      { at: NOW - 8 * DAY, kind: 'message', text: 'old' },
      { at: NOW - 6 * DAY, kind: 'message', text: 'kept' },
    ]);
    let now = NOW;
    const pruning = startTranscriptPruning({
      store,
      retentionDays: 7,
      log: pino({ level: 'silent' }),
      everyMs: 20,
      now: () => now,
    });
    await expect.poll(async () => (await store.transcript('j')).map((e) => e.text)).toEqual(['kept']);
    now = NOW + 2 * DAY;
    await expect.poll(async () => (await store.transcript('j')).length).toBe(0);
    pruning.stop();
    await store.close();
  });
});
