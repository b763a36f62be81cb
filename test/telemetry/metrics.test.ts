import { describe, expect, it } from 'vitest';
import type { JobStore, StoreStats } from '../../src/jobs/store/types.js';
import { Metrics } from '../../src/telemetry/metrics.js';

describe('Metrics', () => {
  it('reads the job counts from the store once per scrape, fresh on every scrape', async () => {
    let queries = 0;
    let queued = 2;
    const store = {
      stats: async (): Promise<StoreStats> => {
        queries++;
        return {
          byState: { queued, running: 1, succeeded: 0, failed: 0, cancelled: 0 } as StoreStats['byState'],
          byAgent: [
            { agent: 'claude', state: 'queued', count: queued },
            { agent: 'codex', state: 'running', count: 1 },
          ],
          queueDepth: queued,
          running: 1,
          oldestQueuedAgeMs: 0,
        };
      },
    } as unknown as JobStore;
    const metrics = new Metrics(store);

    const first = await metrics.registry.metrics();
    expect(queries).toBe(1);
    expect(first).toContain('issue_agent_jobs{state="queued",agent="claude"} 2');
    expect(first).toContain('issue_agent_jobs{state="running",agent="codex"} 1');
    expect(first).toContain('issue_agent_queue_depth 2');

    queued = 5;
    const second = await metrics.registry.metrics();
    expect(queries).toBe(2);
    expect(second).toContain('issue_agent_queue_depth 5');
  });
});
