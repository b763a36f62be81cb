import type { RepoConfig } from '../config/repo-config.js';
import type { JobStore } from '../jobs/store/types.js';

/**
 * Spending limits. A run's own limit is checked against its metered cost; the monthly ones
 * against what every job of the repository (or installation) created this calendar month (UTC)
 * spent, the running ones included.
 */
export interface Limits {
  perRunUsd?: number;
  monthlyRepoUsd?: number;
  monthlyInstallationUsd?: number;
}

export function limitsOf(config: Pick<RepoConfig, 'limits'>, installationMonthlyUsd?: number): Limits {
  return {
    perRunUsd: config.limits.maxCostUsdPerRun,
    monthlyRepoUsd: config.limits.monthlyCostUsd,
    monthlyInstallationUsd: installationMonthlyUsd,
  };
}

/** Midnight UTC of the first day of `now`'s month. */
export function monthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function usd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}

function monthName(now: number): string {
  return new Date(now).toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** "cost limit of $5.00 per run reached ($5.12 spent)", or undefined under the limit. */
export function runLimitReached(limits: Limits, spentUsd: number): string | undefined {
  const max = limits.perRunUsd;
  return max !== undefined && spentUsd >= max
    ? `cost limit of ${usd(max)} per run reached (${usd(spentUsd)} spent)`
    : undefined;
}

/**
 * Which monthly limit is used up, as a clause ("this repository's monthly cost limit of $100.00
 * is reached (...)"), or undefined. At most two sums over the store's indexed columns.
 */
export async function monthlyLimitReached(
  store: Pick<JobStore, 'spendSince'>,
  scope: { installationId: number; repo: { owner: string; name: string } },
  limits: Limits,
  now: number,
): Promise<string | undefined> {
  const since = monthStart(now);
  const checks: [number | undefined, () => Promise<number>, string, string][] = [
    [
      limits.monthlyRepoUsd,
      () => store.spendSince({ repo: scope.repo }, since),
      "this repository's",
      'set by `limits.monthlyCostUsd` in `.github/issue-agent.yml`',
    ],
    [
      limits.monthlyInstallationUsd,
      () => store.spendSince({ installationId: scope.installationId }, since),
      "this installation's",
      "set by the app's `MONTHLY_COST_USD_PER_INSTALLATION`",
    ],
  ];
  for (const [max, spent, whose, setting] of checks) {
    if (max === undefined) continue;
    const total = await spent();
    if (total >= max)
      return `${whose} monthly cost limit of ${usd(max)} is reached (${usd(total)} spent in ${monthName(now)}; ${setting})`;
  }
  return undefined;
}
