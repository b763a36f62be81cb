import type { UsageTotals } from '../domain/usage.js';

/**
 * The metered totals of jobs as the broker records them, for the worker running the job in
 * this process (its live status shows the cost). Jobs run elsewhere simply have no listener.
 */
export class UsageFeed {
  private readonly listeners = new Map<string, Set<(totals: UsageTotals) => void>>();
  private readonly everyJob = new Set<(jobId: string, totals: UsageTotals) => void>();

  /** Calls `listener` with each new total of every job (the app forwards them to its runner process). */
  subscribeAll(listener: (jobId: string, totals: UsageTotals) => void): () => void {
    this.everyJob.add(listener);
    return () => this.everyJob.delete(listener);
  }

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
    for (const listener of this.everyJob) listener(jobId, totals);
  }
}
