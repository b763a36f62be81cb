import { describe, expect, it } from 'vitest';
import { agentRecords, pickWinner, type Contender } from '../../src/domain/compare.js';

const base: Contender = {
  agent: 'claude',
  outcome: 'changed',
  branch: 'agent/1-x-claude',
  verify: { total: 2, failing: 0 },
  files: 1,
  additions: 10,
  deletions: 2,
  costUsd: 0.5,
  durationMs: 60_000,
  summary: '',
};
const claude = (o: Partial<Contender> = {}): Contender => ({ ...base, agent: 'claude', ...o });
const codex = (o: Partial<Contender> = {}): Contender => ({ ...base, agent: 'codex', branch: 'agent/1-x-codex', ...o });

describe('pickWinner: the documented rule, one criterion at a time', () => {
  const cases: [string, Contender[], string | undefined][] = [
    [
      'verify passed beats verify failed, however small',
      [claude({ verify: { total: 2, failing: 1 }, additions: 1 }), codex({ additions: 500 })],
      'codex',
    ],
    [
      'fewer failing verify commands, both failing',
      [claude({ verify: { total: 3, failing: 2 } }), codex({ verify: { total: 3, failing: 1 } })],
      'codex',
    ],
    [
      'no verify commands counts as passed (nothing failed)',
      [claude({ verify: undefined, additions: 1 }), codex({ additions: 2 })],
      'claude',
    ],
    [
      'fewer changed lines (added + deleted)',
      [claude({ additions: 5, deletions: 10 }), codex({ additions: 12, deletions: 0 })],
      'codex',
    ],
    [
      'changed lines decide before cost',
      [claude({ additions: 9, costUsd: 5 }), codex({ additions: 10, costUsd: 0.01 })],
      'claude',
    ],
    ['lower cost on equal lines', [claude({ costUsd: 0.3 }), codex({ costUsd: 0.2 })], 'codex'],
    ['an unknown cost is never the cheaper', [claude({ costUsd: undefined }), codex({ costUsd: 9 })], 'codex'],
    [
      'cost decides before duration',
      [claude({ costUsd: 0.2, durationMs: 900_000 }), codex({ costUsd: 0.3, durationMs: 1 })],
      'claude',
    ],
    ['shorter duration on equal cost', [claude({ durationMs: 61_000 }), codex({ durationMs: 60_000 })], 'codex'],
    [
      'both costs unknown: duration decides',
      [claude({ costUsd: undefined, durationMs: 2 }), codex({ costUsd: undefined, durationMs: 1 })],
      'codex',
    ],
    ['a full tie: the agent named first', [codex(), claude()], 'codex'],
    [
      'a failed run never wins',
      [claude({ outcome: 'failed', additions: 0 }), codex({ verify: { total: 2, failing: 2 } })],
      'codex',
    ],
    [
      'no changes never wins',
      [claude({ outcome: 'no-changes', files: 0, additions: 0, deletions: 0 }), codex()],
      'codex',
    ],
    [
      'a stopped or cancelled run never wins',
      [claude({ outcome: 'stopped' }), codex({ outcome: 'cancelled' })],
      undefined,
    ],
    [
      'nobody changed anything: no winner',
      [claude({ outcome: 'no-changes' }), codex({ outcome: 'failed' })],
      undefined,
    ],
    [
      'three agents',
      [claude({ additions: 30 }), codex({ additions: 20 }), { ...base, agent: 'opencode', additions: 25 }],
      'codex',
    ],
  ];
  it.each(cases)('%s', (_name, contenders, winner) => {
    expect(pickWinner(contenders)?.agent).toBe(winner);
  });
});

describe('agentRecords: each agent over earlier compares', () => {
  it('counts runs, wins, verify passes of runs with verify commands, and cost', () => {
    expect(
      agentRecords([
        {
          contenders: [claude({ costUsd: 0.5 }), codex({ verify: { total: 1, failing: 1 }, costUsd: 0.25 })],
          winner: 'claude',
        },
        {
          contenders: [codex({ verify: undefined, costUsd: undefined }), claude({ outcome: 'failed', costUsd: 1 })],
          winner: 'codex',
        },
        { contenders: [claude({ costUsd: 0 }), codex({ costUsd: 0.25 })] },
      ]),
    ).toEqual([
      { agent: 'claude', runs: 3, wins: 1, verifyPassed: 3, verifyRuns: 3, costUsd: 1.5 },
      { agent: 'codex', runs: 3, wins: 1, verifyPassed: 1, verifyRuns: 2, costUsd: 0.5 },
    ]);
  });
});
