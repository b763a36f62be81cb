import type { Migration } from './migration.js';

/**
 * PostgreSQL schema: same columns as SQLite, with BIGINT times (ms since the epoch, set from
 * the replicas' clocks like the SQLite backend, so both behave alike in tests) and JSONB.
 * The partial unique index makes "one running job per issue" hold even if a claim raced.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs',
    sql: `
      CREATE TABLE jobs (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        dedupe_key TEXT NOT NULL UNIQUE,
        delivery_id TEXT NOT NULL,
        installation_id BIGINT NOT NULL,
        repo_owner TEXT NOT NULL,
        repo_name TEXT NOT NULL,
        issue_number INTEGER NOT NULL,
        issue_key TEXT NOT NULL,
        agent TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'no_changes', 'failed', 'cancelled')),
        job JSONB NOT NULL,
        created_at BIGINT NOT NULL,
        deadline_at BIGINT NOT NULL,
        started_at BIGINT,
        finished_at BIGINT,
        lease_expires_at BIGINT,
        worker_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        status_comment_id BIGINT,
        sandbox_id TEXT,
        session_id TEXT,
        branch TEXT,
        pr_number INTEGER,
        outcome JSONB,
        cost_usd DOUBLE PRECISION,
        error TEXT,
        cancel_requested_by TEXT,
        CHECK (state <> 'running' OR (worker_id IS NOT NULL AND lease_expires_at IS NOT NULL))
      );
      CREATE UNIQUE INDEX jobs_one_running_per_issue ON jobs (issue_key) WHERE state = 'running';
      CREATE INDEX jobs_state_seq ON jobs (state, seq);
      CREATE INDEX jobs_issue_state ON jobs (issue_key, state);
      CREATE INDEX jobs_installation_state ON jobs (installation_id, state);
    `,
  },
  {
    version: 2,
    name: 'checkpoint',
    // Where a running agent can be found again (sandbox, output files, base commit), as JSON.
    sql: `ALTER TABLE jobs ADD COLUMN checkpoint TEXT;`,
  },
  {
    version: 3,
    name: 'sandbox_kept_until',
    // A finished run's sandbox kept (paused) for follow-ups: the orphan sweep leaves it until then.
    sql: `
      ALTER TABLE jobs ADD COLUMN sandbox_kept_until BIGINT;
      CREATE INDEX jobs_sandbox ON jobs (sandbox_id);
    `,
  },
  {
    version: 4,
    name: 'broker',
    // The job's capability token (hashed) and what its model calls used, metered by the broker;
    // the indexes serve the monthly spend of a repository or installation.
    sql: `
      ALTER TABLE jobs ADD COLUMN capability_hash TEXT;
      ALTER TABLE jobs ADD COLUMN input_tokens BIGINT;
      ALTER TABLE jobs ADD COLUMN output_tokens BIGINT;
      ALTER TABLE jobs ADD COLUMN cache_read_tokens BIGINT;
      ALTER TABLE jobs ADD COLUMN cache_write_tokens BIGINT;
      ALTER TABLE jobs ADD COLUMN metered_cost_usd DOUBLE PRECISION;
      ALTER TABLE jobs ADD COLUMN priced_as TEXT;
      CREATE INDEX jobs_repo_created ON jobs (repo_owner, repo_name, created_at);
      CREATE INDEX jobs_installation_created ON jobs (installation_id, created_at);
    `,
  },
  {
    version: 6,
    name: 'transcripts',
    // A run's agent events for the web view (bounded and redacted before they are written);
    // \`at\` serves the retention prune. Version 5 is another change's: this one needs none of it.
    sql: `
      CREATE TABLE transcript_events (
        seq BIGSERIAL PRIMARY KEY,
        job_id TEXT NOT NULL,
        at BIGINT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        detail TEXT,
        bytes INTEGER NOT NULL
      );
      CREATE INDEX transcript_events_job ON transcript_events (job_id, seq);
      CREATE INDEX transcript_events_at ON transcript_events (at);
    `,
  },
  {
    version: 7,
    name: 'webhook_inbox',
    // A trigger's delivery, recorded before the webhook is answered and processed right after;
    // a row left behind by a process that died is processed by the next one that looks.
    sql: `
      CREATE TABLE webhook_inbox (
        delivery_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        payload TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        owner TEXT NOT NULL
      );
      CREATE INDEX webhook_inbox_received ON webhook_inbox (received_at);
    `,
  },
];
