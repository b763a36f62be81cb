import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../setup/postgres-database.js';
import type { BurstConfig, BurstSummary } from './burst-worker.js';

const WORKER = fileURLToPath(new URL('./burst-worker.ts', import.meta.url));
const REPLICAS = 3;
const JOBS = 50;
const ISSUES = 10;
const GLOBAL = 4;
const PER_INSTALLATION = 3;

interface Run {
  job_id: string;
  issue_key: string;
  installation_id: string;
  worker_id: string;
  started: Date;
  ended: Date;
}

function runReplica(config: BurstConfig): Promise<BurstSummary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: { ...process.env, BURST_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as BurstSummary);
      else reject(new Error(`replica ${config.workerId} exited ${code}: ${err}`));
    });
  });
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const item of items) m.set(key(item), [...(m.get(key(item)) ?? []), item]);
  return m;
}

/**
 * Most runs open at one instant (a run's start counts the runs open then, itself included),
 * computed in the database so timestamps keep their microseconds.
 */
async function peak(pool: pg.Pool, sameInstallation: boolean): Promise<Record<string, number>> {
  const r = await pool.query<{ installation_id: string; peak: number }>(
    `SELECT CASE WHEN $1 THEN a.installation_id::text ELSE 'all' END AS installation_id, MAX((
       SELECT COUNT(*) FROM runs b
       WHERE b.started <= a.started AND b.ended > a.started AND (NOT $1 OR b.installation_id = a.installation_id)
     ))::int AS peak
     FROM runs a GROUP BY 1`,
    [sameInstallation],
  );
  return Object.fromEntries(r.rows.map((row) => [row.installation_id, row.peak]));
}

describe('PostgreSQL: three replicas and a burst of 50 triggers on 10 issues', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url });
    await pool.query('CREATE TABLE ready (worker_id TEXT PRIMARY KEY)');
    await pool.query(`CREATE TABLE runs (id SERIAL PRIMARY KEY, job_id TEXT NOT NULL, issue_key TEXT NOT NULL, installation_id BIGINT NOT NULL,
      worker_id TEXT NOT NULL, started TIMESTAMPTZ NOT NULL, ended TIMESTAMPTZ)`);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('runs every job exactly once, one at a time per issue, within the limits', async () => {
    const base = {
      databaseUrl: db.url,
      replicas: REPLICAS,
      loops: 4,
      jobs: JOBS,
      issues: ISSUES,
      global: GLOBAL,
      perInstallation: PER_INSTALLATION,
    };
    const t0 = performance.now();
    const summaries = await Promise.all(
      Array.from({ length: REPLICAS }, (_, i) => runReplica({ ...base, workerId: `replica-${i}` })),
    );
    const wallMs = performance.now() - t0;

    // Exactly once per trigger: 3 replicas x 50 enqueues made 50 rows.
    expect(summaries.reduce((n, s) => n + s.created, 0)).toBe(JOBS);
    const jobs = await pool.query<{ id: string; state: string; attempts: number; issue_key: string; seq: string }>(
      'SELECT id, state, attempts, issue_key, seq FROM jobs ORDER BY seq',
    );
    expect(jobs.rows).toHaveLength(JOBS);
    expect(jobs.rows.filter((j) => j.state !== 'no_changes' || j.attempts !== 1)).toEqual([]);

    // Ran exactly once.
    const runs = (
      await pool.query<Run>(
        'SELECT job_id, issue_key, installation_id, worker_id, started, ended FROM runs ORDER BY started, id',
      )
    ).rows;
    expect(runs).toHaveLength(JOBS);
    expect(new Set(runs.map((r) => r.job_id)).size).toBe(JOBS);
    expect(runs.every((r) => r.ended !== null)).toBe(true);

    // Never two at once for one issue, and each issue's jobs in arrival order.
    const sql = await pool.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM runs a JOIN runs b ON a.issue_key = b.issue_key AND a.id < b.id
       WHERE a.started < b.ended AND b.started < a.ended`,
    );
    expect(Number(sql.rows[0]?.n)).toBe(0);
    const arrival = new Map(jobs.rows.map((j) => [j.id, Number(j.seq)]));
    for (const list of groupBy(runs, (r) => r.issue_key).values()) {
      const seqs = list.map((r) => arrival.get(r.job_id) ?? -1);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }

    // Limits held, and the burst did run in parallel (or this test proves nothing).
    const overall = (await peak(pool, false)).all ?? 0;
    expect(overall).toBeLessThanOrEqual(GLOBAL);
    expect(overall).toBeGreaterThanOrEqual(2);
    const perInstallation = await peak(pool, true);
    expect(Object.keys(perInstallation).sort()).toEqual(['1', '2']);
    for (const n of Object.values(perInstallation)) expect(n).toBeLessThanOrEqual(PER_INSTALLATION);
    expect(summaries.every((s) => s.claimed > 0)).toBe(true);

    const claims = summaries.flatMap((s) => s.claimMs).sort((a, b) => a - b);
    const pct = (p: number) => claims[Math.min(claims.length - 1, Math.floor(p * claims.length))]?.toFixed(1);
    const first = Math.min(...runs.map((r) => r.started.getTime()));
    const last = Math.max(...runs.map((r) => r.ended.getTime()));
    console.info(
      `burst: ${JOBS} jobs in ${last - first} ms of running (${wallMs.toFixed(0)} ms with process start), peak ${overall} running (per installation ${JSON.stringify(perInstallation)}), ` +
        `claims per replica ${summaries.map((s) => s.claimed).join('/')}, claim() p50 ${pct(0.5)} ms p95 ${pct(0.95)} ms max ${pct(1)} ms over ${claims.length} calls`,
    );
  });
});
