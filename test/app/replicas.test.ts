import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { quote } from '../../src/sandbox/shell.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github-server.js';
import { deliver, root, startAppProcess, waitFor, type AppProcess as ChildApp } from '../helpers/app-process.js';
import { makeRemote } from '../helpers/git-remote.js';
import { commentPayload } from '../helpers/payloads.js';
import { freePort, privateKey } from '../helpers/probot.js';
import { createTestDatabase, type TestDatabase } from '../setup/postgres-database.js';
import { API_KEY, claudeLines, happyRoutes, R } from './harness.js';

/**
 * Several replicas, for real: three app processes (src/main.ts) share one PostgreSQL job store
 * and take a burst of triggers delivered round-robin to all of them, against GitHub over real
 * HTTP (GHE_HOST pointing at a local fake).
 */
const SECRET = 'replicas-test-secret';
/** One replica: the child process, its name and port. */
type AppProcess = ChildApp & { name: string; port: number };

/** Probot's write pacing (1 s apart per installation and process) off, as in the in-process tests. */
const UNTHROTTLED = join(root, 'test/helpers/github-unthrottled.ts');

const REPLICAS = 3;
const ISSUES = 10;
const PER_ISSUE = 5;
const JOBS = ISSUES * PER_ISSUE;
const GLOBAL = 4;
const PER_INSTALLATION = 3;
/** Seconds each agent run takes: long enough that runs would overlap if a limit did not hold. */
const AGENT_SECONDS = 0.5;

/**
 * A stand-in `claude` that logs `start <issue> <ms>` and `end <issue> <ms>` to one file shared
 * by every replica (the issue number from the prompt's `## #<n>: <title>` line), changes a file
 * and prints Claude Code's stream. While `<holds>/<issue>` exists it keeps running (at most 30 s).
 */
function loggingAgentBin(log: string, holds: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'issue-agent-replicas-bin-'));
  const body = [
    '#!/usr/bin/env bash',
    `log=${quote(log)}`,
    `n=$(sed -n 's/^## #\\([0-9][0-9]*\\):.*/\\1/p' | head -n 1)`,
    'echo "start $n $(date +%s%3N)" >> "$log"',
    `for _ in $(seq 600); do [ -e ${quote(holds)}/"$n" ] || break; sleep 0.05; done`,
    "printf 'b\\n' > a.txt",
    ...claudeLines('Done.').map((l) => `printf '%s\\n' ${quote(l)}`),
    `sleep ${AGENT_SECONDS}`,
    'echo "end $n $(date +%s%3N)" >> "$log"',
  ];
  writeFileSync(join(dir, 'claude'), body.join('\n') + '\n');
  chmodSync(join(dir, 'claude'), 0o755);
  return dir;
}

interface Interval {
  key: string;
  start: number;
  end: number;
}

/** Most intervals open at one instant (an end at the same millisecond as a start closes first). */
function peak(intervals: Interval[]): number {
  const events = intervals.flatMap((i) => [
    { t: i.start, d: 1 },
    { t: i.end, d: -1 },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of events) max = Math.max(max, (open += e.d));
  return max;
}

/** Pairs of intervals of the same key that overlap in time. */
function overlapsPerKey(intervals: Interval[]): [Interval, Interval][] {
  const found: [Interval, Interval][] = [];
  for (const [i, a] of intervals.entries()) {
    for (const b of intervals.slice(i + 1))
      if (a.key === b.key && a.start < b.end && b.start < a.end) found.push([a, b]);
  }
  return found;
}

/** The agent runs from the shared log: one interval per start, closed by the next end of its issue. */
function agentRuns(log: string): { runs: Interval[]; unmatched: string[] } {
  const lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];
  const open = new Map<string, number>();
  const runs: Interval[] = [];
  const unmatched: string[] = [];
  for (const line of lines) {
    const [kind, key, ms] = line.split(' ') as [string, string, string];
    if (kind === 'start') {
      if (open.has(key)) unmatched.push(line); // a second start of the issue before its end: overlap
      open.set(key, Number(ms));
    } else {
      const start = open.get(key);
      if (start === undefined) unmatched.push(line);
      else runs.push({ key, start, end: Number(ms) });
      open.delete(key);
    }
  }
  unmatched.push(...[...open.keys()].map((k) => `start ${k} (no end)`));
  return { runs, unmatched };
}

/** When each job's worker logged "job started" (pino's `time`), by job id, from the replicas' output. */
function jobStartTimes(outputs: string[]): Map<string, number> {
  const times = new Map<string, number>();
  for (const line of outputs.join('\n').split('\n')) {
    if (!line.includes('"job started"')) continue;
    const entry = JSON.parse(line) as { time: number; job: string };
    times.set(entry.job, entry.time);
  }
  return times;
}

interface JobRow {
  id: string;
  dedupe_key: string;
  issue_number: number;
  state: string;
  attempts: number;
  worker_id: string;
  finished_at: string;
  status_comment_id: string | null;
}

describe('several replicas on one PostgreSQL (the app as three child processes)', () => {
  let gh: FakeGitHub | undefined;
  let db: TestDatabase | undefined;
  let pool: pg.Pool | undefined;
  let holds: string | undefined;
  const apps: AppProcess[] = [];
  afterEach(async () => {
    if (holds) rmSync(holds, { recursive: true, force: true }); // stand-in agents still held end
    for (const a of apps) a.child.kill('SIGKILL');
    await Promise.all(
      apps.map((a) =>
        a.child.exitCode === null && a.child.signalCode === null
          ? new Promise((r) => a.child.once('exit', r))
          : Promise.resolve(),
      ),
    );
    apps.length = 0;
    await pool?.end();
    await db?.drop();
    await gh?.close();
  });

  it('a burst of 50 triggers on 10 issues: every job runs exactly once, one at a time per issue, within the limits, on several replicas', async () => {
    // Each trigger's status comment gets its own id, and its edits a route.
    let nextComment = 2000;
    const routes = happyRoutes();
    for (let n = 1; n <= ISSUES; n++) routes[`POST ${R}/issues/${n}/comments`] = () => [201, { id: ++nextComment }];
    for (let id = 2001; id <= 2000 + JOBS * 2; id++) routes[`PATCH ${R}/issues/comments/${id}`] = () => [200, { id }];
    const commentId = (n: number, k: number) => 900_000 + n * 100 + k;
    for (let n = 1; n <= ISSUES; n++) {
      for (let k = 0; k < PER_ISSUE; k++)
        routes[`POST ${R}/issues/comments/${commentId(n, k)}/reactions`] = () => [201, { id: 1, content: 'eyes' }];
    }
    gh = await startFakeGitHub(routes);
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url });

    const work = mkdtempSync(join(tmpdir(), 'issue-agent-replicas-'));
    const log = join(work, 'agent.log');
    holds = join(work, 'holds');
    mkdirSync(holds);
    const bin = loggingAgentBin(log, holds);
    const cloneUrl = makeRemote({ 'a.txt': 'a\n' }).url;
    const ports = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
    const started = await Promise.all(
      ports.map(async (port, i) => {
        const app = await startAppProcess(
          {
            APP_ID: '1',
            PRIVATE_KEY: privateKey,
            WEBHOOK_SECRET: SECRET,
            SANDBOX_PROVIDER: 'local',
            DATABASE_URL: db!.url,
            MAX_CONCURRENT_JOBS: String(GLOBAL),
            MAX_JOBS_PER_INSTALLATION: String(PER_INSTALLATION),
            DATA_DIR: mkdtempSync(join(tmpdir(), `issue-agent-replica-${i}-`)),
            PORT: String(port),
            HOST: '127.0.0.1',
            GHE_HOST: gh!.host,
            GHE_PROTOCOL: 'http',
            ANTHROPIC_API_KEY: API_KEY,
            PATH: `${bin}:${process.env.PATH}`,
          },
          { name: `replica-${i}`, imports: [UNTHROTTLED] },
        );
        return { ...app, name: `replica-${i}`, port };
      }),
    );
    apps.push(...started);

    const payload = (n: number, k: number) => {
      const p = commentPayload('/agent go', { cloneUrl });
      p.issue.number = n;
      (p.comment as { id: number }).id = commentId(n, k);
      return p;
    };
    const t0 = Date.now();
    let tBurst = 0;
    // A lead-in: first triggers one at a time, each to a replica running no job, until every
    // replica runs one; their agents are held until the whole burst is queued. (Without it the
    // replica that claims first fills every slot the limits allow and keeps them all, since a
    // finished run frees a slot in the replica that ran it and that replica claims again at
    // once: the others would never run anything.) When another replica's poll takes a lead-in
    // job first, that job is let go and one more trigger sent.
    const count = (app: AppProcess, msg: string) => app.output().split(`"msg":"${msg}"`).length - 1;
    const runningIn = (app: AppProcess) => count(app, 'job started') - count(app, 'job finished');
    const startedTotal = () => apps.reduce((sum, app) => sum + count(app, 'job started'), 0);
    const finalJobs = async () =>
      Number(
        (await pool!.query<{ n: string }>(`SELECT COUNT(*) AS n FROM jobs WHERE state NOT IN ('queued', 'running')`))
          .rows[0]?.n,
      );
    let leadIn = 0;
    let letGo = 0;
    for (let idle = apps.find((a) => runningIn(a) === 0); idle; idle = apps.find((a) => runningIn(a) === 0)) {
      const n = ++leadIn;
      if (n > ISSUES) throw new Error('the lead-in did not get a job running in every replica');
      writeFileSync(join(holds, String(n)), '');
      expect(await deliver(idle.port, SECRET, payload(n, 0), `burst-${n}-0`)).toBe(200);
      await waitFor(`the job of issue #${n} to start`, () => startedTotal() === n, 15_000);
      if (runningIn(idle) === 0) {
        rmSync(join(holds, String(n)));
        letGo++;
        for (const until = Date.now() + 15_000; (await finalJobs()) < letGo;) {
          if (Date.now() > until) throw new Error(`the job of issue #${n} did not finish`);
          await new Promise((r) => setTimeout(r, 25));
        }
      }
    }
    // The burst: the other triggers round-robin over the replicas, all at once, in the order a
    // busy repository produces them (the next comment on every issue, then the next ...). A few
    // comments arrive twice at another replica, as GitHub redelivers them (same delivery id) and
    // as a second event for the same comment (new delivery id).
    const sends: Promise<number>[] = [];
    let i = 0;
    tBurst = Date.now();
    for (let k = 0; k < PER_ISSUE; k++) {
      for (let n = k === 0 ? leadIn + 1 : 1; n <= ISSUES; n++) {
        const app = apps[i++ % REPLICAS]!;
        const other = apps[i % REPLICAS]!;
        sends.push(deliver(app.port, SECRET, payload(n, k), `burst-${n}-${k}`));
        if (k === 1 && n <= 3) sends.push(deliver(other.port, SECRET, payload(n, k), `burst-${n}-${k}`));
        if (k === 2 && n <= 3) sends.push(deliver(other.port, SECRET, payload(n, k), `again-${n}-${k}`));
      }
    }
    const statuses = await Promise.all(sends);
    const acceptedMs = Date.now() - t0;
    // Every trigger is queued: the lead-in's agents may finish.
    expect(startedTotal()).toBe(leadIn);
    rmSync(holds, { recursive: true });
    expect(statuses.every((s) => s === 200 || s === 202)).toBe(true);

    // Every job final.
    const jobs = async () => (await pool!.query<JobRow>('SELECT * FROM jobs ORDER BY seq')).rows;
    for (;;) {
      const rows = await jobs();
      if (rows.length >= JOBS && rows.every((r) => r.state !== 'queued' && r.state !== 'running')) break;
      if (Date.now() - t0 > 90_000)
        throw new Error(
          `timed out: ${rows.filter((r) => r.state === 'queued' || r.state === 'running').length} of ${rows.length} jobs not final`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
    const allMs = Date.now() - t0;
    const burstMs = Date.now() - tBurst;
    const rows = await jobs();

    // Exactly once per trigger, run once each, and every one opened its PR.
    expect(rows).toHaveLength(JOBS);
    expect(new Set(rows.map((r) => r.dedupe_key)).size).toBe(JOBS);
    expect(rows.filter((r) => r.state !== 'succeeded' || r.attempts !== 1)).toEqual([]);
    const { runs, unmatched } = agentRuns(log);
    expect(unmatched).toEqual([]);
    expect(runs).toHaveLength(JOBS);
    for (let n = 1; n <= ISSUES; n++) expect(runs.filter((r) => r.key === String(n))).toHaveLength(PER_ISSUE);
    expect(gh.lines().filter((l) => l === `POST ${R}/pulls`)).toHaveLength(JOBS);
    // Each trigger comment got its 👀 once: a redelivery is not acknowledged again.
    expect(
      gh
        .lines()
        .filter((l) => /^POST \/repos\/[^/]+\/[^/]+\/issues\/comments\/\d+\/reactions$/.test(l))
        .sort(),
    ).toEqual(
      Array.from({ length: ISSUES }, (_, n) =>
        Array.from({ length: PER_ISSUE }, (_, k) => `POST ${R}/issues/comments/${commentId(n + 1, k)}/reactions`),
      )
        .flat()
        .sort(),
    );

    // One status comment per job, each ending on its one final status.
    const posted = gh.lines().filter((l) => /^POST \/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/.test(l));
    expect(posted).toHaveLength(JOBS);
    const commentIds = rows.map((r) => Number(r.status_comment_id));
    expect(new Set(commentIds).size).toBe(JOBS);
    for (const id of commentIds) {
      const edits = (gh.bodiesOf('PATCH', `${R}/issues/comments/${id}`) as { body: string }[]).map((b) => b.body);
      expect(
        edits.filter((b) => /✅|❌|💬|🛑/.test(b)),
        `comment ${id}`,
      ).toHaveLength(1);
      expect(edits.at(-1), `comment ${id}`).toMatch(/✅ Opened pull request #42/);
    }

    // Never two runs of one issue at once: neither the agents (from their log) nor the whole jobs,
    // and the limits held across the replicas. A job's span is from its worker's "job started"
    // (logged after the claim committed) to its finished_at (taken before the finish was written):
    // inside the time it held its claim, so spans that overlap are claims that did.
    const startedAt = jobStartTimes(apps.map((a) => a.output()));
    const claims: Interval[] = rows.map((r) => ({
      key: String(r.issue_number),
      start: startedAt.get(r.id) ?? NaN,
      end: Number(r.finished_at),
    }));
    expect(claims.filter((c) => !(c.start <= c.end))).toEqual([]);
    expect(overlapsPerKey(runs)).toEqual([]);
    expect(overlapsPerKey(claims)).toEqual([]);
    const agentPeak = peak(runs);
    const claimPeak = peak(claims);
    // One installation: MAX_JOBS_PER_INSTALLATION (3) binds before MAX_CONCURRENT_JOBS (4).
    expect(claimPeak).toBeLessThanOrEqual(Math.min(GLOBAL, PER_INSTALLATION));
    expect(agentPeak).toBeLessThanOrEqual(Math.min(GLOBAL, PER_INSTALLATION));
    // The burst did run in parallel (or this test proves nothing).
    expect(agentPeak).toBeGreaterThanOrEqual(2);

    // The replicas shared the work: each ran its lead-in job, and the burst's jobs ran on more
    // than one of them (claims from several replicas raced for the same slots).
    const startedPer = apps.map((a) => count(a, 'job started'));
    const leadInKeys = new Set(Array.from({ length: leadIn }, (_, n) => `issue-comment:${commentId(n + 1, 0)}`));
    const burstWorkers = new Set(rows.filter((r) => !leadInKeys.has(r.dedupe_key)).map((r) => r.worker_id));
    console.info(
      `replicas: ${JOBS} jobs accepted in ${acceptedMs} ms, all final ${allMs} ms after the first delivery (${burstMs} ms after the burst of ${JOBS - leadIn}); ` +
        `peak ${agentPeak} agents (${claimPeak} claimed) at once; jobs per replica ${startedPer.join('/')}` +
        (letGo ? `; ${letGo} lead-in job(s) taken by another replica's poll` : ''),
    );
    expect(startedPer.reduce((a, b) => a + b, 0)).toBe(JOBS);
    expect(startedPer.every((n) => n > 0)).toBe(true);
    expect(new Set(rows.map((r) => r.worker_id)).size).toBe(REPLICAS);
    expect(burstWorkers.size).toBeGreaterThan(1);
  }, 180_000);
});
