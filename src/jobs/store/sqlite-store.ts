import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { issueKey } from '../../domain/issue-key.js';
import type { CompareResult } from '../../domain/compare.js';
import type { Job } from '../../domain/job.js';
import type { Outcome } from '../../domain/outcome.js';
import { pendingMigrations } from './migration.js';
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
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import type { UsageDelta, UsageTotals } from '../../domain/usage.js';
import type { TranscriptEntry, TranscriptInput, TranscriptTally } from '../../domain/transcript.js';
import { entryValues, rowToEntry, type TranscriptRow } from './transcript-row.js';
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

/** The running slots a job takes: one per agent of a compare group, else one. */
const SQLITE_SLOTS = (job: string) => `COALESCE(json_array_length(${job}, '$.compare.agents'), 1)`;

export interface SqliteStoreOptions {
  /** File path, or `:memory:` for a private store. */
  path: string;
  now?: Clock;
  /** How long a statement waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
}

/**
 * The embedded default: one file in DATA_DIR. Safe for several processes on one host (every
 * write that reads-then-decides runs in `BEGIN IMMEDIATE`, which takes SQLite's single write
 * lock up front, so the check and the update cannot interleave with another writer).
 * better-sqlite3 is synchronous; the methods are async only to share the JobStore interface.
 */
export class SqliteJobStore implements JobStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly now: Clock;

  private constructor(db: Database.Database, now: Clock) {
    this.db = db;
    this.now = now;
  }

  static open(options: SqliteStoreOptions): SqliteJobStore {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    const db = new Database(options.path);
    try {
      // WAL: readers (healthz, stats) never block the writer and a crash loses no committed job.
      db.pragma('journal_mode = WAL');
      // synchronous=NORMAL is crash-safe for the process in WAL mode; only an OS crash can drop the last commits.
      db.pragma('synchronous = NORMAL');
      db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteJobStore(db, options.now ?? Date.now);
  }

  async enqueue(job: Job, dedupeKey: string): Promise<EnqueueResult> {
    const key = issueKey(job);
    return this.db
      .transaction((): EnqueueResult => {
        const inserted = this.db
          .prepare(
            `INSERT INTO jobs (id, dedupe_key, delivery_id, installation_id, repo_owner, repo_name, issue_number,
               issue_key, agent, state, job, created_at, deadline_at, status_comment_id)
             VALUES (@id, @dedupeKey, @deliveryId, @installationId, @owner, @name, @issueNumber,
               @issueKey, @agent, 'queued', @job, @createdAt, @deadlineAt, @statusCommentId)
             ON CONFLICT (dedupe_key) DO NOTHING
             RETURNING *`,
          )
          .get({
            id: job.id,
            dedupeKey,
            deliveryId: job.deliveryId,
            installationId: job.installationId,
            owner: job.repo.owner,
            name: job.repo.name,
            issueNumber: job.issue.number,
            issueKey: key,
            agent: job.agent,
            job: JSON.stringify(job),
            createdAt: job.createdAt,
            deadlineAt: deadlineOf(job),
            statusCommentId: job.statusCommentId,
          }) as JobRow | undefined;
        const row = inserted ?? (this.db.prepare('SELECT * FROM jobs WHERE dedupe_key = ?').get(dedupeKey) as JobRow);
        return { job: rowToJob(row), created: inserted !== undefined, ahead: this.aheadOf(row) };
      })
      .immediate();
  }

  /** Running jobs of the issue plus queued ones that arrived earlier; 0 for a job no longer active. */
  private aheadOf(row: JobRow): number {
    if (row.state !== 'queued' && row.state !== 'running') return 0;
    const r = this.db
      .prepare(
        `SELECT COUNT(*) AS n FROM jobs
         WHERE issue_key = @issueKey AND id <> @id
           AND (state = 'running' OR (state = 'queued' AND seq < (SELECT seq FROM jobs WHERE id = @id)))`,
      )
      .get({ issueKey: row.issue_key, id: row.id }) as { n: number };
    return r.n;
  }

  async claim(workerId: string, leaseMs: number, limits: ClaimLimits): Promise<StoredJob | undefined> {
    const now = this.now();
    return this.db
      .transaction((): StoredJob | undefined => {
        const candidate = this.db
          .prepare(
            // Running counts once, then the queue in arrival order until a job fits. A compare
            // group takes a slot per agent; one larger than a limit runs when nothing else does.
            `WITH running AS (SELECT installation_id, SUM(${SQLITE_SLOTS('job')}) AS n FROM jobs WHERE state = 'running' GROUP BY installation_id),
               counts AS (SELECT q.id, q.seq, ${SQLITE_SLOTS('q.job')} AS slots,
                   (SELECT COALESCE(SUM(n), 0) FROM running) AS total,
                   COALESCE((SELECT n FROM running r WHERE r.installation_id = q.installation_id), 0) AS mine
                 FROM jobs q WHERE q.state = 'queued')
             SELECT j.id FROM jobs j JOIN counts c ON c.id = j.id
             WHERE j.state = 'queued' AND j.deadline_at > @now
               AND (c.total + c.slots <= @global OR (c.total = 0 AND @global > 0))
               AND (c.mine + c.slots <= @perInstallation OR (c.mine = 0 AND @perInstallation > 0))
               AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.issue_key = j.issue_key AND r.state = 'running')
               -- A follow-up waits for the run it continues (e.g. the one still finishing its PR).
               AND NOT EXISTS (SELECT 1 FROM jobs p WHERE p.id = json_extract(j.job, '$.followUp.previous.jobId')
                 AND p.state IN ('queued', 'running'))
             ORDER BY j.seq
             LIMIT 1`,
          )
          .get({ now, global: limits.global, perInstallation: limits.perInstallation }) as { id: string } | undefined;
        if (!candidate) return undefined;
        const row = this.db
          .prepare(
            `UPDATE jobs SET state = 'running', worker_id = @workerId, started_at = @now,
               lease_expires_at = @lease, attempts = attempts + 1
             WHERE id = @id AND state = 'queued'
             RETURNING *`,
          )
          .get({ id: candidate.id, workerId, now, lease: now + leaseMs }) as JobRow | undefined;
        return row && rowToJob(row);
      })
      .immediate();
  }

  async heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<boolean> {
    const r = this.db
      .prepare(
        `UPDATE jobs SET lease_expires_at = @lease WHERE id = @id AND worker_id = @workerId AND state = 'running'`,
      )
      .run({ id: jobId, workerId, lease: this.now() + leaseMs });
    return r.changes > 0;
  }

  async record(jobId: string, patch: JobPatch, workerId?: string): Promise<boolean> {
    const entries = (Object.keys(PATCH_COLUMNS) as (keyof JobPatch)[]).filter((k) => patch[k] !== undefined);
    if (entries.length === 0) return (await this.get(jobId)) !== undefined;
    // Column names come from the fixed PATCH_COLUMNS map; every value is a bound parameter.
    const set = entries.map((k) => `${PATCH_COLUMNS[k]} = @${k}`).join(', ');
    const params: Record<string, string | number | null> = { id: jobId, workerId: workerId ?? null };
    for (const k of entries) params[k] = patch[k] as string | number;
    return (
      this.db
        .prepare(
          `UPDATE jobs SET ${set} WHERE id = @id AND (@workerId IS NULL OR (worker_id = @workerId AND state = 'running'))`,
        )
        .run(params).changes > 0
    );
  }

  async finish(jobId: string, workerId: string, outcome: Outcome, extras: FinishExtras = {}): Promise<boolean> {
    const r = this.db
      .prepare(
        `UPDATE jobs SET state = @state, outcome = @outcome, finished_at = @now, lease_expires_at = NULL,
           pr_number = COALESCE(@prNumber, pr_number), branch = COALESCE(@branch, branch),
           cost_usd = COALESCE(@costUsd, cost_usd), error = @error
         WHERE id = @id AND worker_id = @workerId AND state = 'running'`,
      )
      .run({
        id: jobId,
        workerId,
        state: stateForOutcome(outcome),
        outcome: JSON.stringify(outcome),
        now: this.now(),
        prNumber: outcome.kind === 'pr' || outcome.kind === 'pushed' ? outcome.number : null,
        branch: outcome.kind === 'pr' || outcome.kind === 'pushed' ? outcome.branch : null,
        costUsd: extras.costUsd ?? null,
        error: extras.error ?? (outcome.kind === 'failed' ? outcome.reason : null),
      });
    return r.changes > 0;
  }

  async requestCancel(key: string, by: string): Promise<CancelResult[]> {
    const now = this.now();
    return this.db
      .transaction((): CancelResult[] => {
        const running = this.db
          .prepare(
            `UPDATE jobs SET cancel_requested_by = COALESCE(cancel_requested_by, @by)
             WHERE issue_key = @key AND state = 'running' RETURNING *`,
          )
          .all({ key, by }) as JobRow[];
        const queued = this.db
          .prepare(
            `UPDATE jobs SET state = 'cancelled', cancel_requested_by = @by, outcome = @outcome, finished_at = @now
             WHERE issue_key = @key AND state = 'queued' RETURNING *`,
          )
          .all({ key, by, now, outcome: JSON.stringify({ kind: 'cancelled', by } satisfies Outcome) }) as JobRow[];
        return cancelResults(running, queued);
      })
      .immediate();
  }

  async cancelRequested(jobId: string): Promise<string | undefined> {
    const r = this.db.prepare('SELECT cancel_requested_by AS by FROM jobs WHERE id = ?').get(jobId) as
      { by: string | null } | undefined;
    return r?.by ?? undefined;
  }

  async releaseForShutdown(jobId: string, workerId: string): Promise<boolean> {
    // A graceful hand-back is not the job's fault: undo this claim's attempt so deploys do not
    // push a job towards maxAttempts. Sandbox and session ids stay for the next worker.
    const r = this.db
      .prepare(
        `UPDATE jobs SET state = 'queued', worker_id = NULL, lease_expires_at = NULL, attempts = MAX(attempts - 1, 0)
         WHERE id = @id AND worker_id = @workerId AND state = 'running'`,
      )
      .run({ id: jobId, workerId });
    return r.changes > 0;
  }

  async reclaimExpired(now: number, maxAttempts: number, deadWorkers: readonly string[] = []): Promise<ReclaimResult> {
    return this.db
      .transaction((): ReclaimResult => {
        const expired = this.db
          .prepare(
            `SELECT * FROM jobs WHERE state = 'running'
               AND (lease_expires_at <= ? OR worker_id IN (SELECT value FROM json_each(?))) ORDER BY seq`,
          )
          .all(now, JSON.stringify(deadWorkers)) as JobRow[];
        const result: ReclaimResult = { requeued: [], failed: [], cancelled: [] };
        for (const row of expired) {
          const attempts = Number(row.attempts);
          if (row.cancel_requested_by !== null) {
            result.cancelled.push(this.finalize(row.id, { kind: 'cancelled', by: row.cancel_requested_by }, now));
          } else if (attempts >= maxAttempts) {
            result.failed.push(this.finalize(row.id, abandonedOutcome(attempts), now));
          } else {
            const r = this.db
              .prepare(
                `UPDATE jobs SET state = 'queued', worker_id = NULL, lease_expires_at = NULL WHERE id = ? RETURNING *`,
              )
              .get(row.id) as JobRow;
            result.requeued.push(rowToJob(r));
          }
        }
        return result;
      })
      .immediate();
  }

  async runningWorkers(): Promise<string[]> {
    const rows = this.db.prepare(`SELECT DISTINCT worker_id FROM jobs WHERE state = 'running'`).all() as {
      worker_id: string;
    }[];
    return rows.map((r) => r.worker_id);
  }

  /** Final state without a lease check: for the sweeper, inside its transaction. */
  private finalize(id: string, outcome: Outcome, now: number): StoredJob {
    const row = this.db
      .prepare(
        `UPDATE jobs SET state = @state, outcome = @outcome, finished_at = @now, worker_id = NULL, lease_expires_at = NULL, error = @error
         WHERE id = @id RETURNING *`,
      )
      .get({
        id,
        state: stateForOutcome(outcome),
        outcome: JSON.stringify(outcome),
        now,
        error: outcome.kind === 'failed' ? outcome.reason : null,
      }) as JobRow;
    return rowToJob(row);
  }

  async expireOverdue(now: number): Promise<StoredJob[]> {
    return this.db
      .transaction((): StoredJob[] => {
        const overdue = this.db
          .prepare(`SELECT * FROM jobs WHERE state = 'queued' AND deadline_at <= ? ORDER BY seq`)
          .all(now) as JobRow[];
        return overdue.map((row) => this.finalize(row.id, queuedTimeoutOutcome(rowToJob(row)), now));
      })
      .immediate();
  }

  async queuedFor(key: string): Promise<StoredJob | undefined> {
    const row = this.db
      .prepare(`SELECT * FROM jobs WHERE issue_key = ? AND state = 'queued' ORDER BY seq LIMIT 1`)
      .get(key) as JobRow | undefined;
    return row && rowToJob(row);
  }

  async latestCompareFor(key: string): Promise<StoredJob | undefined> {
    const row = this.db
      .prepare(
        `SELECT * FROM jobs WHERE issue_key = ? AND json_extract(job, '$.compare') IS NOT NULL ORDER BY seq DESC LIMIT 1`,
      )
      .get(key) as JobRow | undefined;
    return row && rowToJob(row);
  }

  async compareResults(repo: RepoRef, limit: number): Promise<CompareResult[]> {
    const rows = this.db
      .prepare(
        `SELECT outcome FROM jobs WHERE lower(repo_owner) = lower(@owner) AND lower(repo_name) = lower(@name)
           AND json_extract(job, '$.compare') IS NOT NULL AND json_extract(outcome, '$.compare') IS NOT NULL
         ORDER BY seq DESC LIMIT @limit`,
      )
      .all({ owner: repo.owner, name: repo.name, limit }) as { outcome: string }[];
    return rows.map((r) => (JSON.parse(r.outcome) as { compare: CompareResult }).compare);
  }

  async isActive(jobId: string): Promise<boolean> {
    return (
      this.db.prepare(`SELECT 1 FROM jobs WHERE id = ? AND state IN ('queued', 'running')`).get(jobId) !== undefined
    );
  }

  async sandboxInUse(sandboxId: string, now: number): Promise<boolean> {
    const row = this.db
      .prepare(
        `SELECT 1 FROM jobs WHERE sandbox_id = ? AND (state IN ('queued', 'running') OR sandbox_kept_until > ?) LIMIT 1`,
      )
      .get(sandboxId, now);
    return row !== undefined;
  }

  async get(jobId: string): Promise<StoredJob | undefined> {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(jobId) as JobRow | undefined;
    return row && rowToJob(row);
  }

  async latestForPullRequest(repo: RepoRef, prNumber: number): Promise<StoredJob | undefined> {
    const row = this.db
      .prepare(
        `SELECT * FROM jobs WHERE pr_number = @prNumber
           AND CASE WHEN @id IS NOT NULL AND json_extract(job, '$.repo.id') IS NOT NULL
             THEN json_extract(job, '$.repo.id') = @id
             ELSE lower(repo_owner) = lower(@owner) AND lower(repo_name) = lower(@name) END
         ORDER BY seq DESC LIMIT 1`,
      )
      .get({ prNumber, id: repo.id ?? null, owner: repo.owner, name: repo.name }) as JobRow | undefined;
    return row && rowToJob(row);
  }

  async addUsage(jobId: string, d: UsageDelta): Promise<UsageTotals | undefined> {
    const row = this.db
      .prepare(
        `UPDATE jobs SET input_tokens = COALESCE(input_tokens, 0) + @input,
           output_tokens = COALESCE(output_tokens, 0) + @output,
           cache_read_tokens = COALESCE(cache_read_tokens, 0) + @cacheRead,
           cache_write_tokens = COALESCE(cache_write_tokens, 0) + @cacheWrite,
           metered_cost_usd = COALESCE(metered_cost_usd, 0) + @cost,
           priced_as = COALESCE(@pricedAs, priced_as)
         WHERE id = @id RETURNING *`,
      )
      .get({
        id: jobId,
        input: d.inputTokens,
        output: d.outputTokens,
        cacheRead: d.cacheReadTokens,
        cacheWrite: d.cacheWriteTokens,
        cost: d.costUsd,
        pricedAs: d.pricedAs ?? null,
      }) as JobRow | undefined;
    return row && rowToJob(row).usage;
  }

  async spendSince(scope: SpendScope, since: number): Promise<number> {
    const cost = 'COALESCE(SUM(COALESCE(metered_cost_usd, cost_usd)), 0) AS usd';
    const r = (
      'installationId' in scope
        ? this.db
            .prepare(`SELECT ${cost} FROM jobs WHERE installation_id = ? AND created_at >= ?`)
            .get(scope.installationId, since)
        : this.db
            .prepare(
              `SELECT ${cost} FROM jobs WHERE lower(repo_owner) = lower(?) AND lower(repo_name) = lower(?) AND created_at >= ?`,
            )
            .get(scope.repo.owner, scope.repo.name, since)
    ) as { usd: number };
    return r.usd;
  }

  async stats(now: number = this.now()): Promise<StoreStats> {
    const rows = this.db
      .prepare('SELECT agent, state, COUNT(*) AS n FROM jobs GROUP BY agent, state ORDER BY agent, state')
      .all() as {
      agent: string;
      state: JobState;
      n: number;
    }[];
    const oldest = this.db.prepare(`SELECT MIN(created_at) AS t FROM jobs WHERE state = 'queued'`).get() as {
      t: number | null;
    };
    const byState = emptyByState();
    for (const r of rows) byState[r.state] += r.n;
    return {
      byState,
      byAgent: rows.map((r) => ({ agent: r.agent, state: r.state, count: r.n })),
      queueDepth: byState.queued,
      running: byState.running,
      oldestQueuedAgeMs: oldest.t === null ? 0 : Math.max(0, now - oldest.t),
    };
  }

  async appendTranscript(jobId: string, entries: readonly TranscriptInput[]): Promise<void> {
    const insert = this.db.prepare(
      'INSERT INTO transcript_events (job_id, at, kind, text, detail, bytes) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => entries.forEach((e) => insert.run(...entryValues(jobId, e))))();
  }

  async transcript(jobId: string, afterSeq = 0, limit = 5000): Promise<TranscriptEntry[]> {
    const rows = this.db
      .prepare('SELECT * FROM transcript_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(jobId, afterSeq, limit) as TranscriptRow[];
    return rows.map(rowToEntry);
  }

  async transcriptTally(jobId: string): Promise<TranscriptTally> {
    const r = this.db
      .prepare(
        `SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS bytes, COALESCE(MAX(kind = 'truncated'), 0) AS cut
         FROM transcript_events WHERE job_id = ?`,
      )
      .get(jobId) as { n: number; bytes: number; cut: number };
    return { events: r.n, bytes: r.bytes, truncated: r.cut === 1 };
  }

  async pruneTranscripts(before: number): Promise<number> {
    return this.db.prepare('DELETE FROM transcript_events WHERE at < ?').run(before).changes;
  }

  async listJobs(filter: JobFilter): Promise<StoredJob[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM jobs
         WHERE (@repos IS NULL OR lower(repo_owner || '/' || repo_name) IN (SELECT value FROM json_each(@repos)))
           AND (@agent IS NULL OR agent = @agent) AND (@state IS NULL OR state = @state)
         ORDER BY seq DESC LIMIT @limit`,
      )
      .all({
        repos: filter.repos ? JSON.stringify(filter.repos.map((r) => r.toLowerCase())) : null,
        agent: filter.agent ?? null,
        state: filter.state ?? null,
        limit: filter.limit,
      }) as JobRow[];
    return rows.map(rowToJob);
  }

  async spendByDay(since: number): Promise<SpendRow[]> {
    const rows = this.db
      .prepare(
        `SELECT repo_owner AS owner, repo_name AS name, agent, created_at / 86400000 AS day, COUNT(*) AS runs,
           COALESCE(SUM(COALESCE(metered_cost_usd, cost_usd)), 0) AS usd
         FROM jobs WHERE created_at >= ? GROUP BY lower(repo_owner), lower(repo_name), agent, day ORDER BY day, owner, name, agent`,
      )
      .all(since) as SpendRow[];
    return rows;
  }

  async inboxAdd(d: InboxDelivery): Promise<boolean> {
    const r = this.db
      .prepare(
        'INSERT INTO webhook_inbox (delivery_id, name, payload, received_at, owner) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      )
      .run(d.deliveryId, d.name, JSON.stringify(d.payload), d.receivedAt, d.owner);
    return r.changes === 1;
  }

  async inboxDone(deliveryId: string): Promise<void> {
    this.db.prepare('DELETE FROM webhook_inbox WHERE delivery_id = ?').run(deliveryId);
  }

  async inboxTakeStale(before: number, owner: string, now: number): Promise<InboxDelivery[]> {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare('SELECT * FROM webhook_inbox WHERE received_at < ? ORDER BY received_at')
        .all(before) as InboxRow[];
      this.db
        .prepare('UPDATE webhook_inbox SET owner = ?, received_at = ? WHERE received_at < ?')
        .run(owner, now, before);
      return rows.map((r) => inboxDelivery({ ...r, owner, received_at: now }));
    })();
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** Applies pending migrations under the write lock, so two processes opening at once migrate once. */
function migrate(db: Database.Database): void {
  db.transaction(() => {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    const applied = (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    );
    for (const m of pendingMigrations(SQLITE_MIGRATIONS, applied)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        Date.now(),
      );
    }
  }).immediate();
}
