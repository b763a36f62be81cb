import type { Job } from '../../domain/job.js';
import type { Outcome } from '../../domain/outcome.js';
import type { UsageTotals } from '../../domain/usage.js';
import {
  JOB_STATES,
  type CancelResult,
  type FinalState,
  type InboxDelivery,
  type JobState,
  type StoredJob,
} from './types.js';

/**
 * A `jobs` row as either driver returns it. PostgreSQL BIGINT arrives as a string and JSONB as
 * a parsed value; SQLite gives numbers and TEXT. One mapper for both keeps the backends honest.
 */
export interface JobRow {
  id: string;
  dedupe_key: string;
  delivery_id: string;
  installation_id: number | string;
  repo_owner: string;
  repo_name: string;
  issue_number: number | string;
  issue_key: string;
  agent: string;
  state: string;
  job: unknown;
  created_at: number | string;
  deadline_at: number | string;
  started_at: number | string | null;
  finished_at: number | string | null;
  lease_expires_at: number | string | null;
  worker_id: string | null;
  attempts: number | string;
  status_comment_id: number | string | null;
  sandbox_id: string | null;
  session_id: string | null;
  branch: string | null;
  pr_number: number | string | null;
  outcome: unknown;
  cost_usd: number | string | null;
  error: string | null;
  cancel_requested_by: string | null;
  checkpoint: string | null;
  sandbox_kept_until: number | string | null;
  capability_hash: string | null;
  input_tokens: number | string | null;
  output_tokens: number | string | null;
  cache_read_tokens: number | string | null;
  cache_write_tokens: number | string | null;
  metered_cost_usd: number | string | null;
  priced_as: string | null;
}

function num(v: number | string): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new Error(`job store: not a number: ${String(v)}`);
  return n;
}

function optNum(v: number | string | null): number | undefined {
  return v === null ? undefined : num(v);
}

function optStr(v: string | null): string | undefined {
  return v === null ? undefined : v;
}

function json(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

function isState(s: string): s is JobState {
  return (JOB_STATES as readonly string[]).includes(s);
}

export function rowToJob(row: JobRow): StoredJob {
  if (!isState(row.state)) throw new Error(`job store: unknown state ${row.state} for job ${row.id}`);
  const outcome = row.outcome === null ? undefined : (json(row.outcome) as Outcome);
  const stored: StoredJob = {
    id: row.id,
    dedupeKey: row.dedupe_key,
    deliveryId: row.delivery_id,
    installationId: num(row.installation_id),
    repoOwner: row.repo_owner,
    repoName: row.repo_name,
    issueNumber: num(row.issue_number),
    issueKey: row.issue_key,
    agent: row.agent,
    state: row.state,
    job: json(row.job) as Job,
    createdAt: num(row.created_at),
    deadlineAt: num(row.deadline_at),
    attempts: num(row.attempts),
  };
  // Only present fields are set, so `toEqual` in tests and JSON logs stay free of `undefined` noise.
  const optional: Partial<StoredJob> = {
    startedAt: optNum(row.started_at),
    finishedAt: optNum(row.finished_at),
    leaseExpiresAt: optNum(row.lease_expires_at),
    workerId: optStr(row.worker_id),
    statusCommentId: optNum(row.status_comment_id),
    sandboxId: optStr(row.sandbox_id),
    sessionId: optStr(row.session_id),
    branch: optStr(row.branch),
    prNumber: optNum(row.pr_number),
    outcome,
    costUsd: optNum(row.cost_usd),
    error: optStr(row.error),
    cancelRequestedBy: optStr(row.cancel_requested_by),
    checkpoint: optStr(row.checkpoint),
    sandboxKeptUntil: optNum(row.sandbox_kept_until),
    capabilityHash: optStr(row.capability_hash),
    usage: usageOf(row),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(stored, { [k]: v });
  return stored;
}

/** The broker's meter of the job; undefined while no model call went through it. */
function usageOf(row: JobRow): UsageTotals | undefined {
  if (row.metered_cost_usd === null || row.metered_cost_usd === undefined) return undefined;
  const usage: UsageTotals = {
    inputTokens: optNum(row.input_tokens) ?? 0,
    outputTokens: optNum(row.output_tokens) ?? 0,
    cacheReadTokens: optNum(row.cache_read_tokens) ?? 0,
    cacheWriteTokens: optNum(row.cache_write_tokens) ?? 0,
    costUsd: num(row.metered_cost_usd),
  };
  if (row.priced_as) usage.pricedAs = row.priced_as;
  return usage;
}

/** What `/agent stop` did: the running job flagged for its worker, the queued ones cancelled (oldest first). */
export function cancelResults(running: JobRow[], queued: JobRow[]): CancelResult[] {
  return [
    ...running.map((row) => ({ job: rowToJob(row), wasRunning: true })),
    ...queued
      .map((row) => ({ job: rowToJob(row), wasRunning: false }))
      .sort((a, b) => a.job.job.createdAt - b.job.job.createdAt),
  ];
}

/** The final state an outcome puts a job in. */
export function stateForOutcome(outcome: Outcome): FinalState {
  switch (outcome.kind) {
    case 'pr':
    case 'pushed':
      return 'succeeded';
    case 'no-changes':
      return 'no_changes';
    case 'failed':
      return 'failed';
    case 'cancelled':
    case 'stopped':
      return 'cancelled';
  }
}

/** When a job's time is up: its deadline covers queueing and running (issue 4). */
export function deadlineOf(job: Job): number {
  return job.createdAt + job.config.timeoutMinutes * 60_000;
}

/** A queued job past its deadline: one that never ran, or one requeued after its worker stopped. */
export function queuedTimeoutOutcome(stored: StoredJob): Outcome {
  const m = stored.job.config.timeoutMinutes;
  const limit = `timed out after ${m} minute${m === 1 ? '' : 's'} (\`timeoutMinutes\`)`;
  return {
    kind: 'failed',
    reason:
      stored.attempts > 0
        ? `${limit}: the worker running it stopped, and it could not be run again in time`
        : `${limit} while waiting in the queue; it never started`,
  };
}

export function abandonedOutcome(attempts: number): Outcome {
  return {
    kind: 'failed',
    reason: `the worker running this job stopped responding ${attempts} time${attempts === 1 ? '' : 's'}; giving up so it does not loop forever`,
  };
}

/** Columns `record()` may set, mapped from the patch's field names. A fixed list: no caller-chosen SQL. */
export const PATCH_COLUMNS = {
  sandboxId: 'sandbox_id',
  sessionId: 'session_id',
  branch: 'branch',
  prNumber: 'pr_number',
  statusCommentId: 'status_comment_id',
  costUsd: 'cost_usd',
  checkpoint: 'checkpoint',
  sandboxKeptUntil: 'sandbox_kept_until',
  capabilityHash: 'capability_hash',
} as const;

export function emptyByState(): Record<JobState, number> {
  return Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
}

/** A row of `webhook_inbox` (BIGINT columns come back from PostgreSQL as strings). */
export interface InboxRow {
  delivery_id: string;
  name: string;
  payload: string;
  received_at: number | string;
  owner: string;
}

export function inboxDelivery(row: InboxRow): InboxDelivery {
  return {
    deliveryId: row.delivery_id,
    name: row.name,
    payload: JSON.parse(row.payload) as unknown,
    receivedAt: Number(row.received_at),
    owner: row.owner,
  };
}
