import type { CompareResult } from '../../domain/compare.js';
import type { Job } from '../../domain/job.js';
import type { Outcome } from '../../domain/outcome.js';
import type { UsageDelta, UsageTotals } from '../../domain/usage.js';
import type { TranscriptEntry, TranscriptInput, TranscriptTally } from '../../domain/transcript.js';

/**
 * Life of a job row. `queued` and `running` are active; the other four are final and a row
 * never leaves them (every accepted trigger ends in exactly one of them).
 */
export const JOB_STATES = ['queued', 'running', 'succeeded', 'no_changes', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export type FinalState = Exclude<JobState, 'queued' | 'running'>;

/** A job as the store keeps it: the Job the handler built plus what happened to it since. */
export interface StoredJob {
  id: string;
  /** What makes a trigger unique (delivery id + trigger); a second enqueue with it is a no-op. */
  dedupeKey: string;
  deliveryId: string;
  installationId: number;
  repoOwner: string;
  repoName: string;
  issueNumber: number;
  /** `issueKey(job)` from queue.ts: one running job per key. */
  issueKey: string;
  agent: string;
  state: JobState;
  /** The Job exactly as enqueued. */
  job: Job;
  /** `job.createdAt`: when the trigger was accepted (ms since epoch). */
  createdAt: number;
  /** createdAt + timeoutMinutes: after this a queued job is failed instead of started. */
  deadlineAt: number;
  /** When the current (or last) attempt was claimed. */
  startedAt?: number;
  finishedAt?: number;
  leaseExpiresAt?: number;
  /** The worker that owns the lease while running. */
  workerId?: string;
  /** How many times a worker claimed it (a graceful shutdown hand-back does not count). */
  attempts: number;
  statusCommentId?: number;
  /** Kept across requeues so the next worker can re-attach to a sandbox that is still alive. */
  sandboxId?: string;
  sessionId?: string;
  branch?: string;
  prNumber?: number;
  outcome?: Outcome;
  costUsd?: number;
  error?: string;
  /** Set on a running job by `/agent stop`: its worker aborts when it sees this. */
  cancelRequestedBy?: string;
  /** Opaque to the store: what a worker needs to re-attach to this job's running agent. */
  checkpoint?: string;
  /** Until when (ms) the finished run's sandbox is kept (paused) for a follow-up. */
  sandboxKeptUntil?: number;
  /**
   * SHA-256 (hex) of the job's capability tokens for the broker, comma-separated (this attempt's,
   * and the last attempt's while its agent may still run); the tokens themselves are never stored.
   */
  capabilityHash?: string;
  /** What its model calls through the broker used; undefined while none did. */
  usage?: UsageTotals;
}

/** Fields a worker learns while running and records so a successor can pick up from them. */
export interface JobPatch {
  sandboxId?: string;
  sessionId?: string;
  branch?: string;
  prNumber?: number;
  statusCommentId?: number;
  costUsd?: number;
  checkpoint?: string;
  sandboxKeptUntil?: number;
  capabilityHash?: string;
}

/** Whose spending a monthly budget counts: one repository, or a whole installation. */
export type SpendScope = { repo: { owner: string; name: string } } | { installationId: number };

export interface FinishExtras {
  costUsd?: number;
  /** Detail for operators (defaults to the reason of a `failed` outcome). */
  error?: string;
}

export interface ClaimLimits {
  /** Running jobs across every replica (`MAX_CONCURRENT_JOBS`). */
  global: number;
  /** Running jobs of one installation across every replica (`MAX_JOBS_PER_INSTALLATION`). */
  perInstallation: number;
}

export interface EnqueueResult {
  /** The stored job: for a duplicate trigger, the row created the first time (its id may differ from the Job passed in). */
  job: StoredJob;
  created: boolean;
  /** Queued or running jobs of the same issue that run before this one. */
  ahead: number;
}

export interface CancelResult {
  job: StoredJob;
  /** true: the job runs and its worker must abort; false: it was queued and is now cancelled. */
  wasRunning: boolean;
}

export interface ReclaimResult {
  /** Lease expired, back in the queue with sandbox and session ids kept. */
  requeued: StoredJob[];
  /** Lease expired for the `maxAttempts`-th time: failed with a clear reason. */
  failed: StoredJob[];
  /** Lease expired on a job whose cancel had been requested: cancelled now. */
  cancelled: StoredJob[];
}

export interface StoreStats {
  byState: Record<JobState, number>;
  /** One entry per (agent, state) pair that has jobs, for the `jobs{agent,state}` gauge. */
  byAgent: { agent: string; state: JobState; count: number }[];
  queueDepth: number;
  running: number;
  /** Age of the oldest queued job, 0 when nothing waits. */
  oldestQueuedAgeMs: number;
}

/** A webhook delivery in the inbox: Probot's event (name, delivery id, payload). */
export interface InboxDelivery {
  deliveryId: string;
  name: string;
  payload: unknown;
  receivedAt: number;
  /** The worker id of the process that processes it. */
  owner: string;
}

/**
 * Durable job store shared by every replica. All operations are atomic; those that take a
 * `workerId` succeed only for the worker that holds the job's lease, so a worker that lost
 * its lease (it was too slow to heartbeat and another replica took the job over) cannot
 * overwrite its successor's work.
 */
export interface JobStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Records a trigger once: the same dedupe key never creates a second row, across processes. */
  enqueue(job: Job, dedupeKey: string): Promise<EnqueueResult>;
  /**
   * Takes the oldest queued job whose issue has nothing running, if the global and
   * per-installation running limits allow, and leases it to `workerId` for `leaseMs`.
   * Jobs past their deadline are left for `expireOverdue`.
   */
  claim(workerId: string, leaseMs: number, limits: ClaimLimits): Promise<StoredJob | undefined>;
  /** Extends the lease; false when this worker no longer owns the running job (stop working on it). */
  heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<boolean>;
  /**
   * Stores what the worker learned (sandbox id, session id, branch, PR number, ...). With
   * `workerId`, only while that worker holds the running job, so a worker that lost its lease
   * cannot overwrite its successor's fields. False if nothing was stored.
   */
  record(jobId: string, patch: JobPatch, workerId?: string): Promise<boolean>;
  /** Sets the final state from the outcome, once: false if already final or leased to someone else. */
  finish(jobId: string, workerId: string, outcome: Outcome, extras?: FinishExtras): Promise<boolean>;
  /**
   * `/agent stop`: every queued job of the issue is cancelled at once, and a running one gets
   * `cancelRequestedBy` (its worker aborts it). Empty when the issue has no active job.
   */
  requestCancel(issueKey: string, by: string): Promise<CancelResult[]>;
  /** Who asked to cancel this job, if anyone: workers poll this (with their heartbeat). */
  cancelRequested(jobId: string): Promise<string | undefined>;
  /** Graceful shutdown: the running job goes back to the queue for another replica. */
  releaseForShutdown(jobId: string, workerId: string): Promise<boolean>;
  /**
   * Running jobs whose lease expired before `now`, or whose worker is one of `deadWorkers`
   * (known to have died, lease or not): requeued, or failed after `maxAttempts` claims.
   */
  reclaimExpired(now: number, maxAttempts: number, deadWorkers?: readonly string[]): Promise<ReclaimResult>;
  /** The workers holding running jobs (so a starting process can tell which of them died). */
  runningWorkers(): Promise<string[]>;
  /** Queued jobs past their deadline become failed with a timeout outcome; returns them. */
  expireOverdue(now: number): Promise<StoredJob[]>;
  /**
   * The oldest job of the issue still waiting to start, if any: a trigger whose words the run
   * reads from GitHub when it starts (a review comment) joins it instead of queueing another.
   */
  queuedFor(issueKey: string): Promise<StoredJob | undefined>;
  /** The issue's newest compare group (`job.compare`), in any state: what `/agent pick` picks from. */
  latestCompareFor(issueKey: string): Promise<StoredJob | undefined>;
  /** What the repository's finished compare groups ended with, newest first, at most `limit`. */
  compareResults(repo: RepoRef, limit: number): Promise<CompareResult[]>;
  /** Whether the job is queued or running (the orphan sweeper asks before killing its sandbox). */
  isActive(jobId: string): Promise<boolean>;
  /**
   * Whether a job still needs this sandbox: a queued or running one uses it (a follow-up that
   * resumed in it), or a finished one keeps it for follow-ups until after `now`.
   */
  sandboxInUse(sandboxId: string, now: number): Promise<boolean>;
  get(jobId: string): Promise<StoredJob | undefined>;
  /**
   * The newest job that opened or worked on this pull request, in any state: a job records the
   * PR number as soon as it has one, so a follow-up that arrives while that job is still
   * finishing knows the app owns the PR. Repositories match by id when both sides know it (a
   * rename keeps ownership), else by owner and name.
   */
  latestForPullRequest(repo: RepoRef, prNumber: number): Promise<StoredJob | undefined>;
  stats(now?: number): Promise<StoreStats>;
  /**
   * Adds one metered model call to the job's usage (atomically: replicas meter the same job)
   * and returns the new totals; undefined when the job does not exist.
   */
  addUsage(jobId: string, delta: UsageDelta): Promise<UsageTotals | undefined>;
  /** USD spent by the jobs of `scope` created at or after `since` (ms): metered, else as the agent reported. */
  spendSince(scope: SpendScope, since: number): Promise<number>;
  /** Adds entries (already bounded and redacted) to the job's transcript, in order. */
  appendTranscript(jobId: string, entries: readonly TranscriptInput[]): Promise<void>;
  /** The job's transcript entries after `afterSeq`, oldest first, at most `limit`. */
  transcript(jobId: string, afterSeq?: number, limit?: number): Promise<TranscriptEntry[]>;
  /** What the job's transcript holds (a rerun goes on counting towards the same bounds). */
  transcriptTally(jobId: string): Promise<TranscriptTally>;
  /** Deletes transcript entries older than `before` (ms); returns how many. */
  pruneTranscripts(before: number): Promise<number>;
  /** Jobs newest first, filtered (the web view's list); `repos` matches owner/name case-insensitively. */
  listJobs(filter: JobFilter): Promise<StoredJob[]>;
  /** Runs and USD per repository, agent and UTC day, for jobs created at or after `since`. */
  spendByDay(since: number): Promise<SpendRow[]>;
  /** Resolves when the store answers a trivial query; rejects otherwise (for /healthz). */
  /** Records a webhook delivery to process after the answer; false when this delivery id is recorded already. */
  inboxAdd(delivery: InboxDelivery): Promise<boolean>;
  inboxDone(deliveryId: string): Promise<void>;
  /**
   * Deliveries received before `before` and still not done (the process that took them died),
   * each taken over by `owner` (received again at `now`): every replica may look, one gets each.
   */
  inboxTakeStale(before: number, owner: string, now: number): Promise<InboxDelivery[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A repository as the store looks it up: GitHub's id when known (jobs of older versions lack it). */
export interface RepoRef {
  id?: number;
  owner: string;
  name: string;
}

/** A clock the store uses for lease and start times; tests pass their own. */
export type Clock = () => number;

export interface JobFilter {
  /** `owner/name` pairs to include; undefined: every repository. */
  repos?: readonly string[];
  agent?: string;
  state?: JobState;
  limit: number;
}

/** One repository's runs of one agent on one UTC day. */
export interface SpendRow {
  owner: string;
  name: string;
  agent: string;
  /** Days since the epoch (UTC). */
  day: number;
  runs: number;
  /** Metered cost, else what the agent reported. */
  usd: number;
}
