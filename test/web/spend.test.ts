import { describe, expect, it } from 'vitest';
import { spendTotals } from '../../src/web/spend.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 3, 12); // 2026-12-03
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;

describe('spendTotals', () => {
  it('fills every day of the window, and sums per month, repository and agent', () => {
    const t = spendTotals(
      [
        { owner: 'octo', name: 'a', agent: 'claude', day: day('2026-11-30'), runs: 2, usd: 1.5 },
        { owner: 'octo', name: 'a', agent: 'claude', day: day('2026-12-01'), runs: 1, usd: 0.5 },
        { owner: 'octo', name: 'b', agent: 'codex', day: day('2026-12-03'), runs: 1, usd: 2 },
        { owner: 'octo', name: 'a', agent: 'claude', day: day('2026-06-01'), runs: 4, usd: 4 },
      ],
      NOW,
      5,
    );
    expect(t.daily).toEqual([
      { day: '2026-11-29', runs: 0, usd: 0 },
      { day: '2026-11-30', runs: 2, usd: 1.5 },
      { day: '2026-12-01', runs: 1, usd: 0.5 },
      { day: '2026-12-02', runs: 0, usd: 0 },
      { day: '2026-12-03', runs: 1, usd: 2 },
    ]);
    expect(t.byDay.map((l) => `${l.period} ${l.repo} ${l.agent}`)).toEqual([
      '2026-12-03 octo/b codex',
      '2026-12-01 octo/a claude',
      '2026-11-30 octo/a claude',
    ]);
    expect(t.byMonth).toEqual([
      { period: '2026-12', repo: 'octo/a', agent: 'claude', runs: 1, usd: 0.5 },
      { period: '2026-12', repo: 'octo/b', agent: 'codex', runs: 1, usd: 2 },
      { period: '2026-11', repo: 'octo/a', agent: 'claude', runs: 2, usd: 1.5 },
      { period: '2026-06', repo: 'octo/a', agent: 'claude', runs: 4, usd: 4 },
    ]);
  });
});
