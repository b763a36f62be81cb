/**
 * One replica in the PostgreSQL burst test (run by burst.test.ts as a child process with tsx).
 * It enqueues the whole burst itself (every replica sends the same triggers, as redelivered
 * webhooks would), waits until every replica is ready, then runs worker loops that claim a job,
 * note the interval they held it in the `runs` table, and finish it. Prints a JSON summary.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { PostgresJobStore } from '../../../src/jobs/store/postgres-store.js';
import { makeJob } from './make-job.js';

export interface BurstConfig {
  databaseUrl: string;
  workerId: string;
  replicas: number;
  loops: number;
  jobs: number;
  issues: number;
  global: number;
  perInstallation: number;
}

export interface BurstSummary {
  workerId: string;
  created: number;
  claimed: number;
  claimMs: number[];
}

const config = JSON.parse(process.env.BURST_CONFIG ?? '{}') as BurstConfig;
const db = new pg.Pool({ connectionString: config.databaseUrl, max: config.loops + 1 });
const store = await PostgresJobStore.open({ connectionString: config.databaseUrl, maxConnections: config.loops + 1 });

// Job i belongs to issue i % issues; issues are split over two installations.
const order = Array.from({ length: config.jobs }, (_, i) => i).sort(() => Math.random() - 0.5);
let created = 0;
for (const i of order) {
  const issue = (i % config.issues) + 1;
  const job = makeJob({
    id: `job-${String(i).padStart(2, '0')}-${config.workerId}`,
    issue,
    installationId: issue <= config.issues / 2 ? 1 : 2,
    createdAt: Date.now(),
  });
  const r = await store.enqueue(job, `delivery-${i}:comment`);
  if (r.created) created++;
}

await db.query('INSERT INTO ready (worker_id) VALUES ($1)', [config.workerId]);
while (Number((await db.query<{ n: string }>('SELECT COUNT(*) AS n FROM ready')).rows[0]?.n) < config.replicas)
  await sleep(5);

const claimMs: number[] = [];
let claimed = 0;
async function loop(n: number): Promise<void> {
  const worker = `${config.workerId}/${n}`;
  for (;;) {
    const t = performance.now();
    const job = await store.claim(worker, 30_000, { global: config.global, perInstallation: config.perInstallation });
    claimMs.push(performance.now() - t);
    if (!job) {
      if ((await store.stats()).queueDepth === 0) return;
      await sleep(2);
      continue;
    }
    claimed++;
    const run = await db.query<{ id: number }>(
      'INSERT INTO runs (job_id, issue_key, installation_id, worker_id, started) VALUES ($1, $2, $3, $4, clock_timestamp()) RETURNING id',
      [job.id, job.issueKey, job.installationId, worker],
    );
    await sleep(2 + Math.random() * 6);
    await db.query('UPDATE runs SET ended = clock_timestamp() WHERE id = $1', [run.rows[0]?.id]);
    if (!(await store.finish(job.id, worker, { kind: 'no-changes', answer: 'ok' })))
      throw new Error(`finish lost ${job.id}`);
  }
}
await Promise.all(Array.from({ length: config.loops }, (_, n) => loop(n)));
await store.close();
await db.end();
process.stdout.write(JSON.stringify({ workerId: config.workerId, created, claimed, claimMs } satisfies BurstSummary));
