import type { AgentName } from '../agents/types.js';

/** How one agent's run in a compare group ended. Only `changed` (committed to its branch) can win. */
export type ContenderOutcome = 'changed' | 'no-changes' | 'failed' | 'cancelled' | 'stopped';

/** One agent's run in a compare group, as the winner rule and the comparison table read it. */
export interface Contender {
  agent: AgentName;
  /** The model asked for, or the one the CLI said it ran; undefined: its default. */
  model?: string;
  outcome: ContenderOutcome;
  /** The branch holding its changes (`changed` only) and the commit on it. */
  branch?: string;
  commitSha?: string;
  /** The verify commands after the last fix attempt; undefined when the repository has none. */
  verify?: { total: number; failing: number };
  files: number;
  additions: number;
  deletions: number;
  /** USD; undefined when nothing reported a cost. */
  costUsd?: number;
  durationMs: number;
  /** The first line of its summary (or answer, or failure reason): untrusted agent text. */
  summary: string;
}

/** What a compare group ended with: each agent's run, and the one whose branch is (or may become) the PR. */
export interface CompareResult {
  contenders: Contender[];
  winner?: AgentName;
  /** The branch the PR goes into (the repository's default branch when the group ran). */
  baseBranch: string;
  /** The repository on the web (`https://github.com/o/r`), for the table's compare links. */
  repoUrl: string;
  /** Per agent across the app's compares when the group ended, for the table's last line. */
  record?: AgentRecord[];
}

/** One agent's record in the app's compares so far. */
export interface AgentRecord {
  agent: string;
  runs: number;
  wins: number;
  /** Runs whose verify commands all passed, of those that had verify commands. */
  verifyPassed: number;
  verifyRuns: number;
  costUsd: number;
}

/** Whether every verify command passed (true when the repository has none). */
export function verifyPassed(c: Pick<Contender, 'verify'>): boolean {
  return (c.verify?.failing ?? 0) === 0;
}

/**
 * The winner rule, in order: verify passed > fewer failing verify commands > fewer changed
 * lines (added + deleted) > lower cost (an unknown cost counts as the highest) > shorter
 * duration > the order the agents were named. A run that failed, was stopped, or changed
 * nothing never wins; undefined when no run qualifies.
 */
export function pickWinner(contenders: readonly Contender[]): Contender | undefined {
  const eligible = contenders.filter((c) => c.outcome === 'changed');
  // A stable sort keeps the named order as the last tie-break.
  return [...eligible].sort(compareContenders)[0];
}

function compareContenders(a: Contender, b: Contender): number {
  return (
    Number(verifyPassed(b)) - Number(verifyPassed(a)) ||
    (a.verify?.failing ?? 0) - (b.verify?.failing ?? 0) ||
    a.additions + a.deletions - (b.additions + b.deletions) ||
    (a.costUsd ?? Infinity) - (b.costUsd ?? Infinity) ||
    a.durationMs - b.durationMs
  );
}

/**
 * Each agent's record over earlier compares (newest first or not: order does not matter), in
 * the order agents first appear: runs, wins, verify pass rate (of runs with verify commands)
 * and cost.
 */
export function agentRecords(results: readonly Pick<CompareResult, 'contenders' | 'winner'>[]): AgentRecord[] {
  const byAgent = new Map<string, AgentRecord>();
  for (const result of results) {
    for (const c of result.contenders) {
      const r = byAgent.get(c.agent) ?? {
        agent: c.agent,
        runs: 0,
        wins: 0,
        verifyPassed: 0,
        verifyRuns: 0,
        costUsd: 0,
      };
      r.runs++;
      if (result.winner === c.agent) r.wins++;
      if (c.verify) {
        r.verifyRuns++;
        if (verifyPassed(c)) r.verifyPassed++;
      }
      r.costUsd += c.costUsd ?? 0;
      byAgent.set(c.agent, r);
    }
  }
  return [...byAgent.values()];
}
