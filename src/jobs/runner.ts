import type { Logger } from 'pino';
import type { AbortReason } from '../domain/abort.js';
import type { ClaimLimits, JobStore, StoredJob } from './store/types.js';

/** Runs one claimed job to its end (or hands it back on shutdown). */
export type RunJob = (job: StoredJob, signal: AbortSignal) => Promise<void>;

export interface RunnerOptions {
  store: JobStore;
  run: RunJob;
  workerId: string;
  /** Jobs this process runs at once; the store enforces the limits across replicas. */
  slots: number;
  limits: ClaimLimits;
  leaseMs: number;
  /** How often to look for work, expired leases and overdue jobs (a trigger also wakes the loop). */
  pollMs: number;
  maxAttempts: number;
  /** Jobs that ended without a worker (timed out while queued, failed after too many attempts). */
  onEndedWithoutWorker(job: StoredJob): Promise<void>;
  /**
   * At start, requeue the running jobs of workers that surely died (this host, pid gone) at
   * once instead of after their leases expire: a restart picks its jobs up without waiting.
   */
  isDeadWorker?(workerId: string): boolean;
  log: Logger;
  now?: () => number;
}

/**
 * What the rest of the app needs of the runner: wake it after an enqueue, end a job it runs,
 * stop it. The runner may run in this process (`JobRunner`) or in the app's runner process
 * (`RunnerProcess` in src/runner-link.ts), so that agent runs never hold up the webhook server.
 */
export interface RunnerControl {
  start(): void;
  wake(): void;
  cancelHere(jobId: string, by: string): void;
  /** Aborts a job this replica runs with `reason`; false when it surely does not run here. */
  abortHere(jobId: string, reason: AbortReason): boolean;
  /** Jobs this replica runs now. */
  readonly running: number;
  stop(graceMs: number): Promise<void>;
}

interface Active {
  job: StoredJob;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Pulls jobs from the durable store and runs them: claims while it has free slots, keeps each
 * job's lease alive, watches for `/agent stop`, and requeues jobs of replicas that died.
 */
export class JobRunner implements RunnerControl {
  private readonly active = new Map<string, Active>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopping = false;
  private firstTick = true;

  constructor(private readonly o: RunnerOptions) {}

  start(): void {
    this.wake();
  }

  /** Look for work now (after an enqueue), instead of at the next poll. */
  wake(): void {
    if (this.stopping) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.ticking = this.tick()
      .catch((err: unknown) => this.o.log.error({ err }, 'job runner tick failed'))
      .finally(() => {
        this.ticking = undefined;
        if (this.stopping) return;
        if (this.again) {
          this.again = false;
          this.wake();
        } else {
          this.timer = setTimeout(() => this.wake(), this.o.pollMs);
          this.timer.unref();
        }
      });
  }

  /** Aborts a job running in this process at once (the heartbeat would see a cancel request too, later). */
  cancelHere(jobId: string, by: string): void {
    this.abortHere(jobId, { kind: 'cancelled', by });
  }

  /** Aborts a job running in this process with `reason`; false when it does not run here. */
  abortHere(jobId: string, reason: AbortReason): boolean {
    const active = this.active.get(jobId);
    active?.controller.abort(reason);
    return active !== undefined;
  }

  isRunning(jobId: string): boolean {
    return this.active.has(jobId);
  }

  get running(): number {
    return this.active.size;
  }

  /**
   * Graceful stop: take no new jobs, give running ones `graceMs` to finish, then abort them
   * with `shutdown` so their workers hand them back to the queue.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.ticking;
    const all = () => Promise.all([...this.active.values()].map((a) => a.done));
    const graceTimer = new Promise<'grace'>((r) => setTimeout(() => r('grace'), graceMs).unref());
    if ((await Promise.race([all().then(() => 'done' as const), graceTimer])) === 'grace') {
      for (const a of this.active.values()) a.controller.abort({ kind: 'shutdown' } satisfies AbortReason);
      await all();
    }
  }

  private async tick(): Promise<void> {
    const now = (this.o.now ?? Date.now)();
    const { store } = this.o;
    const dead =
      this.firstTick && this.o.isDeadWorker
        ? (await store.runningWorkers()).filter((w) => this.o.isDeadWorker!(w))
        : [];
    this.firstTick = false;
    const reclaimed = await store.reclaimExpired(now, this.o.maxAttempts, dead);
    for (const job of reclaimed.requeued)
      this.o.log.warn({ job: job.id, attempts: job.attempts }, 'requeued a job whose worker stopped');
    for (const job of [...reclaimed.failed, ...reclaimed.cancelled, ...(await store.expireOverdue(now))]) {
      await this.o.onEndedWithoutWorker(job);
    }
    while (!this.stopping && this.active.size < this.o.slots) {
      const job = await store.claim(this.o.workerId, this.o.leaseMs, this.o.limits);
      if (!job) break;
      this.launch(job);
    }
  }

  private launch(job: StoredJob): void {
    const controller = new AbortController();
    const { store, workerId, leaseMs } = this.o;
    // Heartbeats keep the lease; the same beat notices a `/agent stop` from any replica.
    const now = this.o.now ?? Date.now;
    let leaseUntil = job.leaseExpiresAt ?? now() + leaseMs;
    const beat = setInterval(
      () => {
        void (async () => {
          try {
            const sent = now(); // the renewed lease counts from no later than this
            if (!(await store.heartbeat(job.id, workerId, leaseMs))) {
              controller.abort({ kind: 'lease-lost' } satisfies AbortReason);
              return;
            }
            leaseUntil = sent + leaseMs;
            const by = await store.cancelRequested(job.id);
            if (by) controller.abort({ kind: 'cancelled', by } satisfies AbortReason);
          } catch (err) {
            this.o.log.warn({ err, job: job.id }, 'heartbeat failed');
            // Unable to renew the lease, we must assume it ran out: another replica may run the
            // job by now, and two workers must never write to the same PR.
            if (now() >= leaseUntil) controller.abort({ kind: 'lease-lost' } satisfies AbortReason);
          }
        })();
      },
      Math.min(2_000, Math.max(200, leaseMs / 3)),
    );
    beat.unref();
    const done = this.o
      .run(job, controller.signal)
      .catch((err: unknown) => this.o.log.error({ err, job: job.id }, 'job worker crashed'))
      .finally(() => {
        clearInterval(beat);
        this.active.delete(job.id);
        this.wake();
      });
    this.active.set(job.id, { job, controller, done });
  }
}
