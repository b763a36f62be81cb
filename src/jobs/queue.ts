import type { Job } from './types.js';

/** Why a job's signal was aborted. */
export type AbortReason = { kind: 'cancelled'; by: string } | { kind: 'timeout' } | { kind: 'shutdown' };

export type RunJob = (job: Job, signal: AbortSignal) => Promise<void>;

/** The key that allows one run at a time per issue or pull request. */
export function issueKey(job: { repo: Pick<Job['repo'], 'owner' | 'name'>; issue: Pick<Job['issue'], 'number'> }): string {
  return `${job.repo.owner}/${job.repo.name}#${job.issue.number}`.toLowerCase();
}

/**
 * In-process queue: at most `concurrency` jobs at once and one per issue, the rest wait in
 * arrival order. Nothing survives a restart (the durable store replaces this).
 */
export class JobQueue {
  private readonly waiting: Job[] = [];
  private readonly running = new Map<string, { job: Job; controller: AbortController; done: Promise<void> }>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly run: RunJob,
    private readonly concurrency: number,
  ) {}

  /** Adds a job; returns how many jobs for the same issue are ahead of it. */
  enqueue(job: Job): { ahead: number } {
    const key = issueKey(job);
    const ahead = (this.running.has(key) ? 1 : 0) + this.waiting.filter((j) => issueKey(j) === key).length;
    this.waiting.push(job);
    this.pump();
    return { ahead };
  }

  /**
   * Cancels the running job of an issue (its signal aborts) or, if none runs, the oldest waiting
   * one. Returns the cancelled job and whether it was running.
   */
  cancel(key: string, by: string): { job: Job; wasRunning: boolean } | undefined {
    const active = this.running.get(key);
    if (active) {
      active.controller.abort({ kind: 'cancelled', by } satisfies AbortReason);
      return { job: active.job, wasRunning: true };
    }
    const i = this.waiting.findIndex((j) => issueKey(j) === key);
    if (i < 0) return undefined;
    const [job] = this.waiting.splice(i, 1);
    this.settleIdle();
    return job && { job, wasRunning: false };
  }

  /** Whether a job is waiting or running (the orphan sweeper asks before killing its sandbox). */
  isActive(jobId: string): boolean {
    return this.waiting.some((j) => j.id === jobId) || [...this.running.values()].some((r) => r.job.id === jobId);
  }

  get size(): { waiting: number; running: number } {
    return { waiting: this.waiting.length, running: this.running.size };
  }

  /** Resolves when nothing waits or runs (tests and shutdown). */
  idle(): Promise<void> {
    if (this.waiting.length === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Aborts every running job (process shutdown). */
  abortAll(reason: AbortReason): void {
    for (const { controller } of this.running.values()) controller.abort(reason);
  }

  private pump(): void {
    while (this.running.size < this.concurrency) {
      const i = this.waiting.findIndex((j) => !this.running.has(issueKey(j)));
      if (i < 0) break;
      const [job] = this.waiting.splice(i, 1);
      if (!job) break;
      const key = issueKey(job);
      const controller = new AbortController();
      const done = this.run(job, controller.signal)
        .catch(() => undefined) // the runner reports its own failures
        .finally(() => {
          this.running.delete(key);
          this.pump();
          this.settleIdle();
        });
      this.running.set(key, { job, controller, done });
    }
  }

  private settleIdle(): void {
    if (this.waiting.length > 0 || this.running.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
