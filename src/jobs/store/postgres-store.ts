import pg from 'pg';
import { issueKey } from '../../domain/issue-key.js';
import type { CompareResult } from '../../domain/compare.js';
import type { Job } from '../../domain/job.js';
import type { Outcome } from '../../domain/outcome.js';
import type { UsageDelta, UsageTotals } from '../../domain/usage.js';
import type { TranscriptEntry, TranscriptInput, TranscriptTally } from '../../domain/transcript.js';
import { entryValues, rowToEntry, type TranscriptRow } from './transcript-row.js';
import { pendingMigrations } from './migration.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import {
  abandonedOutcome,
  cancelResults,
  deadlineOf,
  emptyByState,
  inboxDelivery,
  PATCH_COLUMNS,
  queuedTimeoutOutcome,
  rowToJob,
  stateForOutcome,
  type InboxRow,
  type JobRow,
} from './row.js';
import type {
  CancelResult,
  ClaimLimits,
  Clock,
  JobFilter,
  SpendRow,
  EnqueueResult,
  FinishExtras,
  InboxDelivery,
  JobPatch,
  JobState,
  JobStore,
  ReclaimResult,
  SpendScope,
  StoredJob,
  StoreStats,
  RepoRef,
} from './types.js';

export interface PostgresStoreOptions {
  connectionString: string;
  now?: Clock;
  /** Connections per replica; a worker needs one only for the few milliseconds of each call. */
  maxConnections?: number;
  /** Errors of idle pooled connections (server restart, network); the next query reconnects. */
  onError?: (err: Error) => void;
  /**
   * How long to wait for a connection (default 10 s). Without a limit, a database that is
   * unreachable without refusing (a dropped route) would hang claims, heartbeats and /healthz.
   */
  connectTimeoutMs?: number;
}

/**
 * Advisory lock keys (two int4 form): an arbitrary namespace shared by every replica, and one
 * number per critical section. Nothing else in the database may use this namespace.
 */
const LOCK_NAMESPACE = 0x1a6e_7a9b;
const CLAIM_LOCK = 1;
const MIGRATE_LOCK = 2;

type Queryable = pg.Pool | pg.PoolClient;

/** The running slots a job takes: one per agent of a compare group, else one. */
const PG_SLOTS = (job: string) => `COALESCE(jsonb_array_length(${job}->'compare'->'agents'), 1)`;

/**
 * PostgreSQL backend for several replicas.
 *
 * Claim locking: `FOR UPDATE SKIP LOCKED` alone keeps two workers off the same row, but not
 * the limits: two replicas could each count 3 running jobs under a limit of 4, both claim, and
 * end at 5; or each start a different queued job of the same issue. So a claim first takes one
 * transaction-scoped advisory lock, which serializes claims (only claims: enqueue, heartbeat,
 * finish and cancel never wait for it). Claims are rare (one per job run, ~1-2 ms each), so the
 * serialization costs nothing that matters, and under READ COMMITTED every statement after the
 * lock sees all claims committed before it. (REPEATABLE READ would not: its snapshot could
 * predate the lock wait.) Other transitions only ever lower the running counts, so they cannot
 * break a limit. The partial unique index on running jobs per issue is a second guard.
 */
export class PostgresJobStore implements JobStore {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private readonly now: Clock;

  private constructor(pool: pg.Pool, now: Clock) {
    this.pool = pool;
    this.now = now;
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresJobStore> {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 5,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: 'issue-agent',
    });
    // Without a listener an idle connection's error (e.g. the server restarting) crashes the process.
    pool.on('error', options.onError ?? (() => undefined));
    const store = new PostgresJobStore(pool, options.now ?? Date.now);
    try {
      await store.tx((c) => migrate(c));
    } catch (err) {
      await pool.end();
      throw err;
    }
    return store;
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let broken = false;
    try {
      await c.query('BEGIN');
      const result = await fn(c);
      await c.query('COMMIT');
      return result;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {
        broken = true; // do not return a connection in an unknown state to the pool
      });
      throw err;
    } finally {
      c.release(broken);
    }
  }

  private async one(db: Queryable, sql: string, params: unknown[]): Promise<JobRow | undefined> {
    const r = await db.query<JobRow>(sql, params);
    return r.rows[0];
  }

  async enqueue(job: Job, dedupeKey: string): Promise<EnqueueResult> {
    // ON CONFLICT waits for a concurrent insert of the same key to commit, then does nothing:
    // the unique constraint, not a prior SELECT, is what makes a trigger create one row.
    const inserted = await this.one(
      this.pool,
      `INSERT INTO jobs (id, dedupe_key, delivery_id, installation_id, repo_owner, repo_name, issue_number,
         issue_key, agent, state, job, created_at, deadline_at, status_comment_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10, $11, $12, $13)
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING *`,
      [
        job.id,
        dedupeKey,
        job.deliveryId,
        job.installationId,
        job.repo.owner,
        job.repo.name,
        job.issue.number,
        issueKey(job),
        job.agent,
        JSON.stringify(job),
        job.createdAt,
        deadlineOf(job),
        job.statusCommentId,
      ],
    );
    const row = inserted ?? (await this.one(this.pool, 'SELECT * FROM jobs WHERE dedupe_key = $1', [dedupeKey]));
    if (!row) throw new Error(`job store: dedupe key ${dedupeKey} conflicted but no row was found`);
    return { job: rowToJob(row), created: inserted !== undefined, ahead: await this.aheadOf(row) };
  }

  private async aheadOf(row: JobRow): Promise<number> {
    if (row.state !== 'queued' && row.state !== 'running') return 0;
    const r = await this.pool.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM jobs
       WHERE issue_key = $1 AND id <> $2
         AND (state = 'running' OR (state = 'queued' AND seq < (SELECT seq FROM jobs WHERE id = $2)))`,
      [row.issue_key, row.id],
    );
    return Number(r.rows[0]?.n ?? 0);
  }

  async claim(workerId: string, leaseMs: number, limits: ClaimLimits): Promise<StoredJob | undefined> {
    return this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, CLAIM_LOCK]);
      // The claim time is read once the lock is held, so it is never before the last claim's.
      const now = this.now();
      // Running counts are computed once (not per candidate row), then the queue is walked in
      // arrival order along the (state, seq) index until a job fits. SKIP LOCKED: a queued row
      // locked right now is being cancelled or expired; take the next.
      const row = await this.one(
        c,
        `UPDATE jobs SET state = 'running', worker_id = $1, started_at = $2, lease_expires_at = $3, attempts = attempts + 1
         WHERE id = (
           WITH running AS (SELECT installation_id, SUM(${PG_SLOTS('job')}) AS n FROM jobs WHERE state = 'running' GROUP BY installation_id)
           SELECT j.id FROM jobs j
           WHERE j.state = 'queued' AND j.deadline_at > $2
             -- A compare group takes a slot per agent; one larger than a limit runs when nothing else does.
             AND ((SELECT COALESCE(SUM(n), 0) FROM running) + ${PG_SLOTS('j.job')} <= $4
               OR ((SELECT COALESCE(SUM(n), 0) FROM running) = 0 AND $4 > 0))
             AND (COALESCE((SELECT n FROM running r WHERE r.installation_id = j.installation_id), 0) + ${PG_SLOTS('j.job')} <= $5
               OR (COALESCE((SELECT n FROM running r WHERE r.installation_id = j.installation_id), 0) = 0 AND $5 > 0))
             AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.issue_key = j.issue_key AND r.state = 'running')
             -- A follow-up waits for the run it continues (e.g. the one still finishing its PR).
             AND NOT EXISTS (SELECT 1 FROM jobs p WHERE p.id = j.job->'followUp'->'previous'->>'jobId'
               AND p.state IN ('queued', 'running'))
           ORDER BY j.seq
           LIMIT 1
           FOR UPDATE OF j SKIP LOCKED
         ) AND state = 'queued'
         RETURNING *`,
        [workerId, now, now + leaseMs, limits.global, limits.perInstallation],
      );
      return row && rowToJob(row);
    });
  }

  async heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE jobs SET lease_expires_at = $3 WHERE id = $1 AND worker_id = $2 AND state = 'running'`,
      [jobId, workerId, this.now() + leaseMs],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async record(jobId: string, patch: JobPatch, workerId?: string): Promise<boolean> {
    const keys = (Object.keys(PATCH_COLUMNS) as (keyof JobPatch)[]).filter((k) => patch[k] !== undefined);
    if (keys.length === 0) return (await this.get(jobId)) !== undefined;
    // Column names come from the fixed PATCH_COLUMNS map; every value is a bound parameter.
    const set = keys.map((k, i) => `${PATCH_COLUMNS[k]} = $${i + 3}`).join(', ');
    const r = await this.pool.query(
      `UPDATE jobs SET ${set} WHERE id = $1 AND ($2::text IS NULL OR (worker_id = $2 AND state = 'running'))`,
      [jobId, workerId ?? null, ...keys.map((k) => patch[k])],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async finish(jobId: string, workerId: string, outcome: Outcome, extras: FinishExtras = {}): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE jobs SET state = $3, outcome = $4, finished_at = $5, lease_expires_at = NULL,
         pr_number = COALESCE($6, pr_number), branch = COALESCE($7, branch), cost_usd = COALESCE($8, cost_usd), error = $9
       WHERE id = $1 AND worker_id = $2 AND state = 'running'`,
      [
        jobId,
        workerId,
        stateForOutcome(outcome),
        JSON.stringify(outcome),
        this.now(),
        outcome.kind === 'pr' || outcome.kind === 'pushed' ? outcome.number : null,
        outcome.kind === 'pr' || outcome.kind === 'pushed' ? outcome.branch : null,
        extras.costUsd ?? null,
        extras.error ?? (outcome.kind === 'failed' ? outcome.reason : null),
      ],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async requestCancel(key: string, by: string): Promise<CancelResult[]> {
    return this.tx(async (c) => {
      // Queued ones first: their rows are then locked, so a claim skips them; one a claim took
      // just before is running by the second update, which flags it.
      const queued = await c.query<JobRow>(
        `UPDATE jobs SET state = 'cancelled', cancel_requested_by = $2, outcome = $3, finished_at = $4
         WHERE issue_key = $1 AND state = 'queued' RETURNING *`,
        [key, by, JSON.stringify({ kind: 'cancelled', by } satisfies Outcome), this.now()],
      );
      const running = await c.query<JobRow>(
        `UPDATE jobs SET cancel_requested_by = COALESCE(cancel_requested_by, $2)
         WHERE issue_key = $1 AND state = 'running' RETURNING *`,
        [key, by],
      );
      return cancelResults(running.rows, queued.rows);
    });
  }

  async runningWorkers(): Promise<string[]> {
    const r = await this.pool.query<{ worker_id: string }>(
      `SELECT DISTINCT worker_id FROM jobs WHERE state = 'running'`,
    );
    return r.rows.map((row) => row.worker_id);
  }

  async cancelRequested(jobId: string): Promise<string | undefined> {
    const r = await this.pool.query<{ by: string | null }>('SELECT cancel_requested_by AS by FROM jobs WHERE id = $1', [
      jobId,
    ]);
    return r.rows[0]?.by ?? undefined;
  }

  async releaseForShutdown(jobId: string, workerId: string): Promise<boolean> {
    // A graceful hand-back is not the job's fault: undo this claim's attempt so deploys do not
    // push a job towards maxAttempts. Sandbox and session ids stay for the next worker.
    const r = await this.pool.query(
      `UPDATE jobs SET state = 'queued', worker_id = NULL, lease_expires_at = NULL, attempts = GREATEST(attempts - 1, 0)
       WHERE id = $1 AND worker_id = $2 AND state = 'running'`,
      [jobId, workerId],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async reclaimExpired(now: number, maxAttempts: number, deadWorkers: readonly string[] = []): Promise<ReclaimResult> {
    return this.tx(async (c) => {
      // SKIP LOCKED: another replica's sweeper has those rows, or their worker is heartbeating
      // or finishing them right now (so they are not dead).
      const expired = await c.query<JobRow>(
        `SELECT * FROM jobs WHERE state = 'running' AND (lease_expires_at <= $1 OR worker_id = ANY($2::text[]))
         ORDER BY seq FOR UPDATE SKIP LOCKED`,
        [now, deadWorkers],
      );
      const result: ReclaimResult = { requeued: [], failed: [], cancelled: [] };
      for (const row of expired.rows) {
        const attempts = Number(row.attempts);
        if (row.cancel_requested_by !== null) {
          result.cancelled.push(await finalize(c, row.id, { kind: 'cancelled', by: row.cancel_requested_by }, now));
        } else if (attempts >= maxAttempts) {
          result.failed.push(await finalize(c, row.id, abandonedOutcome(attempts), now));
        } else {
          const r = await this.one(
            c,
            `UPDATE jobs SET state = 'queued', worker_id = NULL, lease_expires_at = NULL WHERE id = $1 RETURNING *`,
            [row.id],
          );
          if (r) result.requeued.push(rowToJob(r));
        }
      }
      return result;
    });
  }

  async expireOverdue(now: number): Promise<StoredJob[]> {
    return this.tx(async (c) => {
      const overdue = await c.query<JobRow>(
        `SELECT * FROM jobs WHERE state = 'queued' AND deadline_at <= $1 ORDER BY seq FOR UPDATE SKIP LOCKED`,
        [now],
      );
      const out: StoredJob[] = [];
      for (const row of overdue.rows) out.push(await finalize(c, row.id, queuedTimeoutOutcome(rowToJob(row)), now));
      return out;
    });
  }

  async queuedFor(key: string): Promise<StoredJob | undefined> {
    const row = await this.one(
      this.pool,
      `SELECT * FROM jobs WHERE issue_key = $1 AND state = 'queued' ORDER BY seq LIMIT 1`,
      [key],
    );
    return row && rowToJob(row);
  }

  async latestCompareFor(key: string): Promise<StoredJob | undefined> {
    const row = await this.one(
      this.pool,
      `SELECT * FROM jobs WHERE issue_key = $1 AND job->'compare' IS NOT NULL ORDER BY seq DESC LIMIT 1`,
      [key],
    );
    return row && rowToJob(row);
  }

  async compareResults(repo: RepoRef, limit: number): Promise<CompareResult[]> {
    const r = await this.pool.query<{ compare: CompareResult }>(
      `SELECT outcome->'compare' AS compare FROM jobs WHERE lower(repo_owner) = lower($1) AND lower(repo_name) = lower($2)
         AND job->'compare' IS NOT NULL AND outcome->'compare' IS NOT NULL
       ORDER BY seq DESC LIMIT $3`,
      [repo.owner, repo.name, limit],
    );
    return r.rows.map((row) => row.compare);
  }

  async isActive(jobId: string): Promise<boolean> {
    const r = await this.pool.query(`SELECT 1 FROM jobs WHERE id = $1 AND state IN ('queued', 'running')`, [jobId]);
    return (r.rowCount ?? 0) > 0;
  }

  async sandboxInUse(sandboxId: string, now: number): Promise<boolean> {
    const r = await this.pool.query(
      `SELECT 1 FROM jobs WHERE sandbox_id = $1 AND (state IN ('queued', 'running') OR sandbox_kept_until > $2) LIMIT 1`,
      [sandboxId, now],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async get(jobId: string): Promise<StoredJob | undefined> {
    const row = await this.one(this.pool, 'SELECT * FROM jobs WHERE id = $1', [jobId]);
    return row && rowToJob(row);
  }

  async latestForPullRequest(repo: RepoRef, prNumber: number): Promise<StoredJob | undefined> {
    const row = await this.one(
      this.pool,
      `SELECT * FROM jobs WHERE pr_number = $1
         AND CASE WHEN $2::bigint IS NOT NULL AND job->'repo'->'id' IS NOT NULL
           THEN (job->'repo'->>'id')::bigint = $2::bigint
           ELSE lower(repo_owner) = lower($3) AND lower(repo_name) = lower($4) END
       ORDER BY seq DESC LIMIT 1`,
      [prNumber, repo.id ?? null, repo.owner, repo.name],
    );
    return row && rowToJob(row);
  }

  async addUsage(jobId: string, d: UsageDelta): Promise<UsageTotals | undefined> {
    const row = await this.one(
      this.pool,
      `UPDATE jobs SET input_tokens = COALESCE(input_tokens, 0) + $2,
         output_tokens = COALESCE(output_tokens, 0) + $3,
         cache_read_tokens = COALESCE(cache_read_tokens, 0) + $4,
         cache_write_tokens = COALESCE(cache_write_tokens, 0) + $5,
         metered_cost_usd = COALESCE(metered_cost_usd, 0) + $6,
         priced_as = COALESCE($7, priced_as)
       WHERE id = $1 RETURNING *`,
      [jobId, d.inputTokens, d.outputTokens, d.cacheReadTokens, d.cacheWriteTokens, d.costUsd, d.pricedAs ?? null],
    );
    return row && rowToJob(row).usage;
  }

  async spendSince(scope: SpendScope, since: number): Promise<number> {
    const cost = 'COALESCE(SUM(COALESCE(metered_cost_usd, cost_usd)), 0) AS usd';
    const r =
      'installationId' in scope
        ? await this.pool.query<{ usd: number | string }>(
            `SELECT ${cost} FROM jobs WHERE installation_id = $1 AND created_at >= $2`,
            [scope.installationId, since],
          )
        : await this.pool.query<{ usd: number | string }>(
            `SELECT ${cost} FROM jobs WHERE lower(repo_owner) = lower($1) AND lower(repo_name) = lower($2) AND created_at >= $3`,
            [scope.repo.owner, scope.repo.name, since],
          );
    return Number(r.rows[0]?.usd ?? 0);
  }

  async appendTranscript(jobId: string, entries: readonly TranscriptInput[]): Promise<void> {
    if (entries.length === 0) return;
    // One statement: the entries of a batch land together and in order.
    const values = entries.map(
      (_, i) => `($${i * 6 + 1}, $${i * 6 + 2}, $${i * 6 + 3}, $${i * 6 + 4}, $${i * 6 + 5}, $${i * 6 + 6})`,
    );
    await this.pool.query(
      `INSERT INTO transcript_events (job_id, at, kind, text, detail, bytes) VALUES ${values.join(', ')}`,
      entries.flatMap((e) => entryValues(jobId, e)),
    );
  }

  async transcript(jobId: string, afterSeq = 0, limit = 5000): Promise<TranscriptEntry[]> {
    const r = await this.pool.query<TranscriptRow>(
      'SELECT * FROM transcript_events WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [jobId, afterSeq, limit],
    );
    return r.rows.map(rowToEntry);
  }

  async transcriptTally(jobId: string): Promise<TranscriptTally> {
    const r = await this.pool.query<{ n: string; bytes: string; cut: boolean | null }>(
      `SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS bytes, BOOL_OR(kind = 'truncated') AS cut
       FROM transcript_events WHERE job_id = $1`,
      [jobId],
    );
    const row = r.rows[0]!;
    return { events: Number(row.n), bytes: Number(row.bytes), truncated: row.cut === true };
  }

  async pruneTranscripts(before: number): Promise<number> {
    const r = await this.pool.query('DELETE FROM transcript_events WHERE at < $1', [before]);
    return r.rowCount ?? 0;
  }

  async listJobs(filter: JobFilter): Promise<StoredJob[]> {
    const r = await this.pool.query<JobRow>(
      `SELECT * FROM jobs
       WHERE ($1::text[] IS NULL OR lower(repo_owner || '/' || repo_name) = ANY($1::text[]))
         AND ($2::text IS NULL OR agent = $2) AND ($3::text IS NULL OR state = $3)
       ORDER BY seq DESC LIMIT $4`,
      [filter.repos?.map((x) => x.toLowerCase()) ?? null, filter.agent ?? null, filter.state ?? null, filter.limit],
    );
    return r.rows.map(rowToJob);
  }

  async spendByDay(since: number): Promise<SpendRow[]> {
    const r = await this.pool.query<{
      owner: string;
      name: string;
      agent: string;
      day: string;
      runs: string;
      usd: string | number;
    }>(
      `SELECT MIN(repo_owner) AS owner, MIN(repo_name) AS name, agent, created_at / 86400000 AS day, COUNT(*) AS runs,
         COALESCE(SUM(COALESCE(metered_cost_usd, cost_usd)), 0) AS usd
       FROM jobs WHERE created_at >= $1 GROUP BY lower(repo_owner), lower(repo_name), agent, day ORDER BY day, owner, name, agent`,
      [since],
    );
    return r.rows.map((x) => ({ ...x, day: Number(x.day), runs: Number(x.runs), usd: Number(x.usd) }));
  }

  async stats(now: number = this.now()): Promise<StoreStats> {
    const counts = await this.pool.query<{ agent: string; state: JobState; n: string }>(
      'SELECT agent, state, COUNT(*) AS n FROM jobs GROUP BY agent, state ORDER BY agent, state',
    );
    const oldest = await this.pool.query<{ t: string | null }>(
      `SELECT MIN(created_at) AS t FROM jobs WHERE state = 'queued'`,
    );
    const byState = emptyByState();
    for (const r of counts.rows) byState[r.state] += Number(r.n);
    const t = oldest.rows[0]?.t ?? null;
    return {
      byState,
      byAgent: counts.rows.map((r) => ({ agent: r.agent, state: r.state, count: Number(r.n) })),
      queueDepth: byState.queued,
      running: byState.running,
      oldestQueuedAgeMs: t === null ? 0 : Math.max(0, now - Number(t)),
    };
  }

  async inboxAdd(d: InboxDelivery): Promise<boolean> {
    const r = await this.pool.query(
      'INSERT INTO webhook_inbox (delivery_id, name, payload, received_at, owner) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [d.deliveryId, d.name, JSON.stringify(d.payload), d.receivedAt, d.owner],
    );
    return r.rowCount === 1;
  }

  async inboxDone(deliveryId: string): Promise<void> {
    await this.pool.query('DELETE FROM webhook_inbox WHERE delivery_id = $1', [deliveryId]);
  }

  async inboxTakeStale(before: number, owner: string, now: number): Promise<InboxDelivery[]> {
    // One statement: of replicas looking at once, each row goes to the one whose update wins.
    const r = await this.pool.query<InboxRow>(
      `UPDATE webhook_inbox SET owner = $1, received_at = $2
       WHERE delivery_id IN (SELECT delivery_id FROM webhook_inbox WHERE received_at < $3 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [owner, now, before],
    );
    return r.rows.map(inboxDelivery);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.pool.ended) return;
    await this.pool.end();
  }
}

/** Final state without a lease check: for the sweepers, on a row their transaction has locked. */
async function finalize(c: pg.PoolClient, id: string, outcome: Outcome, now: number): Promise<StoredJob> {
  const r = await c.query<JobRow>(
    `UPDATE jobs SET state = $2, outcome = $3, finished_at = $4, worker_id = NULL, lease_expires_at = NULL, error = $5
     WHERE id = $1 RETURNING *`,
    [id, stateForOutcome(outcome), JSON.stringify(outcome), now, outcome.kind === 'failed' ? outcome.reason : null],
  );
  const row = r.rows[0];
  if (!row) throw new Error(`job store: job ${id} vanished while locked`);
  return rowToJob(row);
}

/**
 * Applies pending migrations in one transaction. The advisory lock comes first so replicas
 * starting together neither race on CREATE TABLE nor apply a step twice; PostgreSQL's DDL is
 * transactional, so a failed step leaves the schema as it was.
 */
async function migrate(c: pg.PoolClient): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, MIGRATE_LOCK]);
  await c.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
  );
  const applied = await c.query<{ version: number }>('SELECT version FROM schema_migrations');
  for (const m of pendingMigrations(
    POSTGRES_MIGRATIONS,
    applied.rows.map((r) => r.version),
  )) {
    await c.query(m.sql);
    await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
      m.version,
      m.name,
      Date.now(),
    ]);
  }
}
