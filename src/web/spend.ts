import type { SpendRow } from '../jobs/store/types.js';

const DAY_MS = 86_400_000;

export interface SpendLine {
  /** `2026-12-03` or `2026-12`. */
  period: string;
  repo: string;
  agent: string;
  runs: number;
  usd: number;
}

export interface SpendTotals {
  /** The last `days` days, oldest first, every day present (0 when nothing ran). */
  daily: { day: string; runs: number; usd: number }[];
  /** Per day, repository and agent, newest first. */
  byDay: SpendLine[];
  /** Per month, repository and agent, newest first. */
  byMonth: SpendLine[];
}

const dayName = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The store's per-day rows as the Spend page shows them. Pure. */
export function spendTotals(rows: readonly SpendRow[], now: number, days = 30): SpendTotals {
  const today = Math.floor(now / DAY_MS);
  const daily = Array.from({ length: days }, (_, i) => ({ day: dayName(today - days + 1 + i), runs: 0, usd: 0 }));
  const byDay: SpendLine[] = [];
  const months = new Map<string, SpendLine>();
  for (const r of rows) {
    const repo = `${r.owner}/${r.name}`;
    const slot = daily[r.day - (today - days + 1)];
    if (slot) {
      slot.runs += r.runs;
      slot.usd += r.usd;
      byDay.push({ period: dayName(r.day), repo, agent: r.agent, runs: r.runs, usd: r.usd });
    }
    const period = dayName(r.day).slice(0, 7);
    const key = `${period} ${repo.toLowerCase()} ${r.agent}`;
    const m = months.get(key) ?? { period, repo, agent: r.agent, runs: 0, usd: 0 };
    m.runs += r.runs;
    m.usd += r.usd;
    months.set(key, m);
  }
  const newestFirst = (a: SpendLine, b: SpendLine) =>
    b.period.localeCompare(a.period) || a.repo.localeCompare(b.repo) || a.agent.localeCompare(b.agent);
  return { daily, byDay: byDay.sort(newestFirst), byMonth: [...months.values()].sort(newestFirst) };
}
