import type { AgentEvent } from './types.js';

/**
 * The one fold of what a job's agent runs cost, from their events. Within one CLI invocation,
 * usage events add up and a result's total replaces their sum (the CLI's own count wins).
 * A job may invoke the CLI several times (verify fixes): their costs add up, each invocation's
 * reported total taken as its own. The status comment, PR body, check run and store all read
 * the total from here, so they cannot disagree.
 */
export class CostMeter {
  /** Cost of the invocations that ended. */
  private before: number | undefined;
  private usage: number | undefined;
  private result: number | undefined;
  private meteredUsd: number | undefined;

  /** Takes one event; true when the total changed. */
  add(event: AgentEvent): boolean {
    if (event.kind === 'usage' && event.costUsd !== undefined) {
      this.usage = (this.usage ?? 0) + event.costUsd;
      return this.result === undefined;
    }
    if (event.kind === 'result' && event.costUsd !== undefined) {
      this.result = event.costUsd;
      return true;
    }
    return false;
  }

  /** The next CLI invocation of the same job starts (its cost adds to the ones before). */
  nextInvocation(): void {
    const current = this.current;
    if (current !== undefined) this.before = (this.before ?? 0) + current;
    this.usage = this.result = undefined;
  }

  /**
   * The broker's meter of the job (it sees every model call): from now on it is the total,
   * whatever the agent reports.
   */
  metered(costUsd: number): void {
    this.meteredUsd = costUsd;
  }

  /** Cost in USD so far; undefined while no invocation reported any. */
  get totalUsd(): number | undefined {
    if (this.meteredUsd !== undefined) return this.meteredUsd;
    const current = this.current;
    return this.before === undefined ? current : this.before + (current ?? 0);
  }

  private get current(): number | undefined {
    return this.result ?? this.usage;
  }
}
