import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetNock } from './harness.js';
import { resourceRun } from './resources.js';

/**
 * An agent cannot exhaust the app: its output streams through (never kept whole, no line
 * rescanned), and a change over `maxChangeMB` is refused from its size. About 15 s here;
 * `npm run bench:resources -- <outputMB> <changeMB>` runs other sizes.
 */
describe('bounded resources, the whole flow', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('1 GB of output on one line and 500 MB of changes: the run fails on maxChangeMB and RSS stays flat', async () => {
    const run = await resourceRun({ outputMB: 1024, changeMB: 500, fileMB: 8 });
    expect(run.status).toMatch(
      /the changes were rejected: the agent's changed files total 504\.0 MB, more than the 50 MB allowed \(maxChangeMB in \.github\/issue-agent\.yml\)/,
    );
    // Before, the output alone was kept whole twice (provider and runner) and its line rescanned on every chunk.
    console.log(`RSS ${run.startRssMB.toFixed(0)} MB at the start, ${run.peakRssMB.toFixed(0)} MB at the peak`);
    // Flat: what the run adds stays small whatever the output's size (before, it grew by GBs).
    // The baseline is the test process's own and differs between Node versions (larger on 24).
    expect(run.peakRssMB - run.startRssMB).toBeLessThan(200);
    expect(run.peakRssMB).toBeLessThan(600);
    expect(run.logLines.some((l) => l.includes('the agent printed lines over 1 MiB'))).toBe(true);
  }, 120_000);
});
