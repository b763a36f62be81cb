import type { UsageTotals } from '../domain/usage.js';

/**
 * The metered totals of jobs as the broker records them, for the worker running the job in
 * this process (its live status shows the cost). Jobs run elsewhere simply have no listener.
 */
export class UsageFeed {
  private readonly listeners = new Map<string, Set<(totals: UsageTotals) => void>>();

  /** Calls `listener` with each new total of `jobId`; returns the unsubscribe. */
  subscribe(jobId: string, listener: (totals: UsageTotals) => void): () => void {
    const set = this.listeners.get(jobId) ?? new Set();
    set.add(listener);
    this.listeners.set(jobId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(jobId);
    };
  }

  publish(jobId: string, totals: UsageTotals): void {
    for (const listener of this.listeners.get(jobId) ?? []) listener(totals);
  }
}
