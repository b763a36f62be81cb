import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { limitsOf, monthlyLimitReached, monthStart, runLimitReached } from '../../src/broker/budget.js';
import { defaultRepoConfig } from '../../src/config/repo-config.js';
import { openJobStore } from '../../src/jobs/store/open.js';
import type { JobStore } from '../../src/jobs/store/types.js';
import { aJob } from '../helpers/job.js';

const DEC_3 = Date.UTC(2026, 11, 3, 13, 0);
const usage = (costUsd: number) => ({
  inputTokens: 10,
  outputTokens: 5,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd,
});

describe('run limit', () => {
  const limits = limitsOf({ ...defaultRepoConfig(), limits: { maxCostUsdPerRun: 5 } });
  it.each([
    [4.99, undefined],
    [5, 'cost limit of $5.00 per run reached ($5.00 spent)'],
    [5.123, 'cost limit of $5.00 per run reached ($5.12 spent)'],
  ])('at $%s spent: %s', (spent, expected) => {
    expect(runLimitReached(limits, spent)).toBe(expected);
  });
  it('has none without the setting', () => {
    expect(runLimitReached(limitsOf(defaultRepoConfig()), 1e9)).toBeUndefined();
  });
});

describe('monthly limits', () => {
  let store: JobStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  /** Jobs created at `at` for `repo` of installation `inst`, with `cost` metered. */
  async function spend(s: JobStore, n: number, parts: { at: number; repo: string; inst: number; cost: number }) {
    const job = aJob({ repo: { name: parts.repo } });
    const { job: stored } = await s.enqueue(
      { ...job, id: `job-${n}`, installationId: parts.inst, createdAt: parts.at },
      `d-${n}`,
    );
    await s.addUsage(stored.id, usage(parts.cost));
  }

  it('month starts at midnight UTC on the first', () => {
    expect(new Date(monthStart(DEC_3)).toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });

  it('counts this month’s jobs of the repository (and of the installation), not last month’s or other repos’', async () => {
    store = await openJobStore({ dataDir: mkdtempSync(join(tmpdir(), 'issue-agent-budget-')) });
    await spend(store, 1, { at: Date.UTC(2026, 10, 30, 23), repo: 'widgets', inst: 1, cost: 50 });
    await spend(store, 2, { at: Date.UTC(2026, 11, 1, 0), repo: 'widgets', inst: 1, cost: 6 });
    await spend(store, 3, { at: Date.UTC(2026, 11, 2), repo: 'gadgets', inst: 1, cost: 3 });
    await spend(store, 4, { at: Date.UTC(2026, 11, 2), repo: 'widgets', inst: 2, cost: 100 });
    const scope = { installationId: 1, repo: { owner: 'acme', name: 'widgets' } };
    // widgets: jobs 2 and 4 this month (job 4 is another installation's, same repo name).
    expect(await store.spendSince({ repo: scope.repo }, monthStart(DEC_3))).toBeCloseTo(106);
    expect(await store.spendSince({ installationId: 1 }, monthStart(DEC_3))).toBeCloseTo(9);

    const config = { ...defaultRepoConfig(), limits: { monthlyCostUsd: 200 } };
    expect(await monthlyLimitReached(store, scope, limitsOf(config), DEC_3)).toBeUndefined();
    expect(await monthlyLimitReached(store, scope, limitsOf(config, 9), DEC_3)).toBe(
      "this installation's monthly cost limit of $9.00 is reached ($9.00 spent in December 2026; set by the app's `MONTHLY_COST_USD_PER_INSTALLATION`)",
    );
    const tight = { ...defaultRepoConfig(), limits: { monthlyCostUsd: 100 } };
    expect(await monthlyLimitReached(store, scope, limitsOf(tight, 9), DEC_3)).toMatch(
      /^this repository's monthly cost limit of \$100\.00 is reached \(\$106\.00 spent in December 2026; set by `limits\.monthlyCostUsd`/,
    );
  });
});
