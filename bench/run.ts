/**
 * `npm run bench`: the real app as a child process against a GitHub stand-in over real HTTP
 * (fixed latency per request, one installation's writes refused when they come sooner than
 * 1 s after its previous one), with a stand-in agent that finishes at once, compared where a
 * ratio fits with a bare Probot app (no-op handlers) measured in the same run. Prints a table
 * and each goal of the issue with pass or fail; exits 1 when a goal fails.
 *
 *   npm run bench -- [--events=5000] [--triggers=200] [--installations=20] [--files=5]
 *                    [--output-mb=100] [--latency-ms=20] [--write-spacing-ms=1000]
 *                    [--concurrency=10] [--max-jobs=20] [--provider=e2b|local]
 *                    [--proxy-requests=50] [--proxy-streams=20] [--first-token-ms=300]
 *                    [--only=a,c,d,e] [--cpu-prof=dir] [--json]
 *
 * (a)+(b) non-trigger events, (c) the trigger burst (its sandboxes on the E2B stand-in, a
 * process of its own, or with --provider=local as children of the app), (d) one run with loud
 * agent output, (e) the model proxy against its upstream called directly (bench/broker.ts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { makeRemote } from '../test/helpers/git-remote.js';
import { benchBroker, type BrokerBenchResult } from './broker.js';
import { benchAgent, LOUD } from './harness/agent.js';
import { startBenchApp, type BenchApp } from './harness/apps.js';
import { startBenchE2B, type BenchE2B } from './harness/e2b.js';
import { isWrite, ownerOf, REPO_NAME, routeOf, startBenchGitHub } from './harness/github.js';
import { commentDelivery, labelDelivery, percentile, send, sendAll, type Delivery } from './harness/webhooks.js';

const flags = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'];
  }),
);
const num = (name: string, fallback: number) => {
  const v = Number(flags[name] ?? fallback);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a number`);
  return v;
};
const opts = {
  events: num('events', 5_000),
  triggers: num('triggers', 200),
  installations: num('installations', 20),
  files: num('files', 5),
  outputMB: num('output-mb', 100),
  latencyMs: num('latency-ms', 20),
  writeSpacingMs: num('write-spacing-ms', 1_000),
  concurrency: num('concurrency', 10),
  maxJobs: num('max-jobs', 20),
  provider: flags.provider ?? 'e2b',
  proxyRequests: num('proxy-requests', 50),
  proxyStreams: num('proxy-streams', 20),
  firstTokenMs: num('first-token-ms', 300),
  only: new Set((flags.only ?? 'a,c,d,e').split(',')),
};
if (opts.provider !== 'e2b' && opts.provider !== 'local') throw new Error('--provider must be e2b or local');
const known = new Set([
  'events',
  'triggers',
  'installations',
  'files',
  'output-mb',
  'latency-ms',
  'write-spacing-ms',
  'concurrency',
  'max-jobs',
  'provider',
  'proxy-requests',
  'proxy-streams',
  'first-token-ms',
  'only',
  'cpu-prof',
  'json',
]);
for (const k of Object.keys(flags)) if (!known.has(k)) throw new Error(`unknown flag --${k}`);

interface Row {
  section: string;
  metric: string;
  app: string;
  bare?: string;
  ratio?: string;
  goal?: string;
  pass?: boolean;
}
const rows: Row[] = [];
const figures: Record<string, number> = {};
const fmt = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`);
const log = (s: string) => console.error(`[bench] ${s}`);
const started = performance.now();
// The app runs as `npm start` runs it: from dist/, compiled now from the current sources.
log('building dist/ (npm run build)');
execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });

// (e) first, while this process holds nothing else: its RSS figure is this process's.
if (opts.only.has('e')) await modelProxy();

const gh = await startBenchGitHub({ latencyMs: opts.latencyMs, writeSpacingMs: opts.writeSpacingMs });
const remote = makeRemote({ 'README.md': '# Hello\n' });
const agentBin = benchAgent({ files: opts.files, outputMB: opts.outputMB });
const target = (installationId: number, issue: number) => ({ installationId, issue, cloneUrl: remote.url });
const realEnv = { MAX_CONCURRENT_JOBS: String(opts.maxJobs) };
const apps: BenchApp[] = [];
let e2b: BenchE2B | undefined;
const start = async (kind: 'real' | 'bare', sandboxes?: BenchE2B) => {
  const app = await startBenchApp(kind, {
    githubHost: gh.host,
    agentBin,
    e2b: sandboxes,
    env: realEnv,
    ...(kind === 'real' && flags['cpu-prof'] && { cpuProfDir: flags['cpu-prof'] }),
  });
  apps.push(app);
  return app;
};
let commentIds = 5_000_000;

try {
  if (opts.only.has('c') && opts.provider === 'e2b') {
    e2b = await startBenchE2B([agentBin]);
    log(`E2B stand-in in its own process (pid ${e2b.child.pid}, isolation: ${e2b.isolation})`);
  }
  const bare = opts.only.has('a') || opts.only.has('c') ? await start('bare') : undefined;
  if (bare && opts.only.has('a')) await nonTriggerEvents(bare);
  if (bare && opts.only.has('c')) await triggerBurst(bare);
  if (opts.only.has('d')) await loudRun();
} finally {
  for (const app of apps) await app.stop().catch(() => undefined);
  await e2b?.close();
  await gh.close();
  for (const dir of [remote.dir, agentBin]) rmSync(dir, { recursive: true, force: true });
}
print();

/** Unmeasured: 100 events that start nothing, on an installation of their own (JIT, connections, the token). */
async function warmUp(app: BenchApp): Promise<void> {
  const extra = opts.installations + 1;
  for (let i = 0; i < 100; i++)
    await send(
      app.port,
      i % 2
        ? await labelDelivery('bug', target(extra, i))
        : await commentDelivery('ok', ++commentIds, target(extra, i)),
    );
}

/**
 * (a) + (b): `events` events that start nothing, spread over the installations' repositories,
 * sent one at a time: the first round labels every repository `bug` (its first event: the
 * config is read), later rounds alternate between `bug` labels and new ordinary comments.
 */
async function nonTriggerEvents(bare: BenchApp): Promise<void> {
  const make = async (): Promise<Delivery[]> => {
    const out: Delivery[] = [];
    for (let i = 0; i < opts.events; i++) {
      const t = target((i % opts.installations) + 1, 1 + Math.floor(i / opts.installations));
      const round = Math.floor(i / opts.installations);
      out.push(
        round % 2 === 0
          ? await labelDelivery('bug', t)
          : await commentDelivery('Thanks, this looks right to me.', ++commentIds, t),
      );
    }
    return out;
  };
  log(`(a) ${opts.events} non-trigger events, one at a time, to the bare Probot app`);
  await warmUp(bare);
  const bareSent = await sendAll(bare.port, await make(), 1);
  log(`(a) ${opts.events} non-trigger events, one at a time, to the app`);
  const real = await start('real');
  await warmUp(real);
  const from = gh.requests.length;
  const realSent = await sendAll(real.port, await make(), 1);
  await new Promise((r) => setTimeout(r, 500)); // anything the app still sends after its answers counts too
  const calls = gh.since(from);
  // The first event of each repository may read its config; every later one should cost nothing.
  const firstOfRepo = new Set<Delivery>();
  const seen = new Set<number>();
  for (const s of realSent) {
    if (seen.has(s.delivery.installationId)) continue;
    seen.add(s.delivery.installationId);
    firstOfRepo.add(s.delivery);
  }
  // A first event's calls may come after its answer (a possible trigger is answered once it is
  // recorded, and processed after): they count as its own until its repository's next event is sent.
  const nextOfRepo = (first: Delivery) =>
    realSent.find((s) => s.delivery !== first && s.delivery.installationId === first.installationId)?.sentAt ??
    Infinity;
  const inFirst = calls.filter((c) =>
    realSent.some((s) => firstOfRepo.has(s.delivery) && c.at >= s.sentAt && c.at < nextOfRepo(s.delivery)),
  ).length;
  const later = calls.length - inFirst;
  const laterEvents = opts.events - firstOfRepo.size;
  const [bp50, bp99, rp50, rp99] = [
    percentile(
      bareSent.map((s) => s.ms),
      50,
    ),
    percentile(
      bareSent.map((s) => s.ms),
      99,
    ),
    percentile(
      realSent.map((s) => s.ms),
      50,
    ),
    percentile(
      realSent.map((s) => s.ms),
      99,
    ),
  ] as [number, number, number, number];
  Object.assign(figures, {
    aBareP50Ms: bp50,
    aBareP99Ms: bp99,
    aAppP50Ms: rp50,
    aAppP99Ms: rp99,
    bCallsFirstEventPerRepo: inFirst / firstOfRepo.size,
    bCallsPerLaterEvent: later / laterEvents,
  });
  const a = `(a) ${opts.events} non-trigger events`;
  rows.push(
    {
      section: a,
      metric: 'webhook answer p50',
      app: fmt(rp50),
      bare: fmt(bp50),
      ratio: `${(rp50 / bp50).toFixed(2)}x`,
    },
    {
      section: a,
      metric: 'webhook answer p99',
      app: fmt(rp99),
      bare: fmt(bp99),
      ratio: `${(rp99 / bp99).toFixed(2)}x`,
      goal: '< 100 ms',
      pass: rp99 < 100,
    },
    {
      section: '(b) GitHub calls, non-trigger',
      metric: `first event of each of ${firstOfRepo.size} repositories`,
      app: (inFirst / firstOfRepo.size).toFixed(2),
    },
    {
      section: '(b) GitHub calls, non-trigger',
      metric: `per later event (${later} calls / ${laterEvents} events)`,
      app: (later / laterEvents).toFixed(3),
      goal: '0',
      pass: later === 0,
    },
  );
  await real.stop();
}

/**
 * (c): `triggers` new `/agent` comments on distinct issues, round-robin over the
 * installations, at most `concurrency` deliveries in flight; each run changes `files` files
 * and opens a PR. Measured to the last final status comment.
 */
async function triggerBurst(bare: BenchApp): Promise<void> {
  const make = async (): Promise<Delivery[]> => {
    const out: Delivery[] = [];
    for (let k = 0; k < opts.triggers; k++) {
      const t = target((k % opts.installations) + 1, 1 + Math.floor(k / opts.installations));
      out.push(await commentDelivery('/agent change the files', ++commentIds, t));
    }
    return out;
  };
  const c = `(c) ${opts.triggers} triggers, ${opts.installations} installations, ${opts.provider} sandboxes`;
  log(`${c}: to the bare Probot app`);
  await warmUp(bare);
  const bareSent = await sendAll(bare.port, await make(), opts.concurrency);
  log(`${c}: to the app (${opts.files} files changed per run, MAX_CONCURRENT_JOBS=${opts.maxJobs})`);
  const real = await start('real', e2b);
  await warmUp(real);
  const deliveries = await make();
  const from = gh.requests.length;
  const runnerPid = real.runnerPid();
  const cpu0 = {
    app: cpuSeconds(real.process.child.pid),
    runner: cpuSeconds(runnerPid),
    e2b: cpuSeconds(e2b?.child.pid),
    bench: process.cpuUsage(),
  };
  const t0 = performance.now();
  const sent = await sendAll(real.port, deliveries, opts.concurrency);
  const finals = new Map<string, string>();
  const deadline = Date.now() + 15 * 60_000;
  for (let seen = from; finals.size < opts.triggers;) {
    for (; seen < gh.requests.length; seen++) {
      const r = gh.requests[seen]!;
      const body = (r.body as { body?: unknown } | undefined)?.body;
      if (r.method === 'PATCH' && /\/issues\/comments\/\d+$/.test(r.path) && typeof body === 'string') {
        const outcome = /\n\n(✅|💬|❌|🛑)([^\n]*)/.exec(body);
        if (outcome) finals.set(r.path, `${outcome[1]}${outcome[2]}`);
      }
    }
    if (Date.now() > deadline) throw new Error(`${finals.size} of ${opts.triggers} runs ended within 15 minutes`);
    if (real.process.child.exitCode !== null) throw new Error(`the app exited:\n${real.process.output().slice(-3000)}`);
    if (e2b && e2b.child.exitCode !== null) throw new Error('the E2B stand-in exited');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Writes still queued after the final status (the check run's) count too: wait for GitHub to hear nothing more.
  for (let n = gh.requests.length; ; n = gh.requests.length) {
    await new Promise((r) => setTimeout(r, 2 * opts.writeSpacingMs + 500));
    if (gh.requests.length === n) break;
  }
  const calls = gh.since(from);
  const failed = [...finals.values()].filter((o) => !o.startsWith('✅ Opened pull request'));
  if (failed.length) log(`${failed.length} runs did not open a PR, e.g.: ${failed[0]}`);
  const answeredAt = (r: { at: number }) => r.at + opts.latencyMs;

  // Acknowledged: the 👀 on the comment and the status comment on the issue, both answered.
  const acks = sent.map((s) => {
    const { installationId, issue, commentId } = s.delivery;
    const repo = `/repos/${ownerOf(installationId)}/${REPO_NAME}`;
    const reaction = calls.find(
      (r) => r.method === 'POST' && r.path === `${repo}/issues/comments/${commentId}/reactions`,
    );
    const status = calls.find((r) => r.method === 'POST' && r.path === `${repo}/issues/${issue}/comments`);
    const ms = reaction && status ? Math.max(answeredAt(reaction), answeredAt(status)) - s.sentAt : Infinity;
    return { installationId, ms };
  });
  const byInstallation = new Map<number, number[]>();
  for (const a of acks) byInstallation.set(a.installationId, [...(byInstallation.get(a.installationId) ?? []), a.ms]);
  const p50s = [...byInstallation.values()].map((v) => percentile(v, 50));
  const p95s = [...byInstallation.values()].map((v) => percentile(v, 95));
  // The first acknowledgement of an installation found its write queue empty: the issue's "within 2 s" case.
  const firsts = [...byInstallation.values()].map((v) => Math.min(...v));
  const prs = calls.filter((r) => r.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/pulls$/.test(r.path));
  const lastPrMs = Math.max(...prs.map(answeredAt)) - t0;
  const writes = calls.filter(isWrite);
  const violations = gh.violations.filter((v) => v.at >= t0);
  const wp99 = percentile(
    sent.map((s) => s.ms),
    99,
  );
  const bwp99 = percentile(
    bareSent.map((s) => s.ms),
    99,
  );
  const { peakMB: peak, parts: peakParts } = real.rss();
  const cpu = {
    app: cpuSeconds(real.process.child.pid) - cpu0.app,
    runner: cpuSeconds(runnerPid) - cpu0.runner,
    e2b: cpuSeconds(e2b?.child.pid) - cpu0.e2b,
    bench: (({ user, system }) => (user + system) / 1e6)(process.cpuUsage(cpu0.bench)),
    wall: (performance.now() - t0) / 1000,
  };
  const perRun = calls.length / opts.triggers;
  const breakdown = new Map<string, number>();
  for (const r of calls) breakdown.set(routeOf(r), (breakdown.get(routeOf(r)) ?? 0) + 1);
  Object.assign(figures, {
    cBareWebhookP99Ms: bwp99,
    cAppWebhookP99Ms: wp99,
    cAckP50MsMedianOfInstallations: percentile(p50s, 50),
    cAckP95MsWorstInstallation: Math.max(...p95s),
    cFirstAckMsWorstInstallation: Math.max(...firsts),
    cLastPrMs: lastPrMs,
    cPrs: prs.length,
    cCallsPerRun: perRun,
    cWritesPerRun: writes.length / opts.triggers,
    cViolations: violations.length,
    cPeakRssMB: peak,
    cCpuAppS: cpu.app,
    cCpuRunnerS: cpu.runner,
    cCpuE2BS: cpu.e2b,
    cCpuBenchS: cpu.bench,
    cWallS: cpu.wall,
  });
  rows.push(
    {
      section: c,
      metric: `webhook answer p99 (${opts.concurrency} in flight)`,
      app: fmt(wp99),
      bare: fmt(bwp99),
      ratio: `${(wp99 / bwp99).toFixed(2)}x`,
      goal: '< 100 ms',
      pass: wp99 < 100,
    },
    {
      section: c,
      metric: 'first acknowledgement in each installation (worst installation)',
      app: fmt(Math.max(...firsts)),
      goal: '< 2 s',
      pass: Math.max(...firsts) < 2_000,
    },
    {
      section: c,
      metric: 'acknowledgement p50 per installation (best / median / worst)',
      app: [Math.min(...p50s), percentile(p50s, 50), Math.max(...p50s)].map(fmt).join(' / '),
    },
    {
      section: c,
      metric: 'acknowledgement p95 per installation (best / median / worst)',
      app: [Math.min(...p95s), percentile(p95s, 50), Math.max(...p95s)].map(fmt).join(' / '),
    },
    { section: c, metric: 'PRs opened', app: `${prs.length} of ${opts.triggers}`, pass: prs.length === opts.triggers },
    { section: c, metric: 'first delivery to the last PR', app: fmt(lastPrMs) },
    {
      section: c,
      metric: `GitHub calls per run (${opts.files}-file change)`,
      app: perRun.toFixed(1),
      goal: '<= 15',
      pass: perRun <= 15,
    },
    { section: c, metric: 'GitHub writes per run', app: (writes.length / opts.triggers).toFixed(1) },
    {
      section: c,
      metric: `writes sooner than ${opts.writeSpacingMs} ms after the installation's last (refused)`,
      app: String(violations.length),
      goal: '0',
      pass: violations.length === 0,
    },
    {
      section: c,
      metric: `CPU time, first delivery to quiet: app (webhooks, broker) / runner${opts.provider === 'local' ? ' (and its sandboxes)' : ''} / ${opts.provider === 'e2b' ? 'E2B stand-in (and its sandboxes) / ' : ''}benchmark process`,
      app:
        [cpu.app, cpu.runner, ...(e2b ? [cpu.e2b] : []), cpu.bench].map((v) => `${v.toFixed(1)} s`).join(' / ') +
        ` in ${cpu.wall.toFixed(1)} s on ${availableParallelism()} cores`,
    },
    {
      section: c,
      metric: 'peak RSS of the app (webhook process + runner process, each at its peak)',
      app: `${peak.toFixed(0)} MB (${peakParts})`,
      goal: '< 300 MB',
      pass: peak < 300,
    },
  );
  console.log(`\nGitHub calls of the burst by route, per run (${calls.length} calls, ${opts.triggers} runs):`);
  for (const [route, n] of [...breakdown].sort((x, y) => y[1] - x[1]))
    console.log(`  ${(n / opts.triggers).toFixed(2).padStart(6)}  ${route}`);
  await real.stop();
}

/** (d): one run whose agent streams `outputMB` of output, after a quiet run that warms the app up. */
async function loudRun(): Promise<void> {
  log(`(d) one run with ${opts.outputMB} MB of agent output`);
  const real = await start('real');
  const installationId = opts.installations + 2;
  const runTo = async (text: string, issue: number) => {
    const from = gh.requests.length;
    await send(real.port, await commentDelivery(text, ++commentIds, target(installationId, issue)));
    for (;;) {
      const done = gh
        .since(from)
        .find((r) => r.method === 'PATCH' && /\n\n(✅|💬|❌|🛑)/.test(String((r.body as { body?: unknown })?.body)));
      if (done) return String((done.body as { body: string }).body).split('\n')[2];
      if (real.process.child.exitCode !== null)
        throw new Error(`the app exited:\n${real.process.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await runTo('/agent warm up', 1);
  await new Promise((r) => setTimeout(r, 1_000));
  const before = real.rss().nowMB;
  const t0 = performance.now();
  const outcome = await runTo(`/agent ${LOUD}`, 2);
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 1_000));
  const { nowMB: after, peakMB: peak } = real.rss();
  Object.assign(figures, { dRssBeforeMB: before, dRssPeakMB: peak, dRssAfterMB: after, dSeconds: seconds });
  const d = `(d) ${opts.outputMB} MB of agent output`;
  rows.push(
    { section: d, metric: 'outcome', app: (outcome ?? '?').replace(/: https?:\S+$/, '') },
    { section: d, metric: 'run time', app: `${seconds.toFixed(1)} s` },
    {
      section: d,
      metric: 'RSS before / peak / after (MB)',
      app: [before, peak, after].map((v) => v.toFixed(0)).join(' / '),
      goal: 'peak < 300 MB',
      pass: peak < 300,
    },
  );
  await real.stop();
}

/**
 * (e): the model proxy (bench/broker.ts) in this process: `proxyRequests` streamed answers
 * straight to a fake Anthropic upstream and through the proxy, alternating, once with the first
 * token at once (the bare loopback cost) and once `firstTokenMs` later as a model answers; then
 * `proxyStreams` streams through the proxy at once for the RSS.
 */
async function modelProxy(): Promise<void> {
  const e = `(e) model proxy, ${opts.proxyRequests} streams of 20 SSE events`;
  const run = (firstTokenMs: number) => {
    log(`${e}, first token after ${firstTokenMs} ms: direct vs. through the proxy`);
    return benchBroker({ requests: opts.proxyRequests, gapMs: 3, concurrent: opts.proxyStreams, firstTokenMs });
  };
  const atOnce = await run(0);
  const realistic = await run(opts.firstTokenMs);
  const ms = (p: { p50: number; p95: number }) => `${p.p50.toFixed(1)} / ${p.p95.toFixed(1)} ms`;
  const ratio = (r: BrokerBenchResult, k: 'ttfb' | 'total', p: 'p50' | 'p95') => r[k].proxy[p] / r[k].direct[p];
  const add = (r: BrokerBenchResult, k: 'ttfb' | 'total', what: string, judged: boolean) => {
    const r50 = ratio(r, k, 'p50');
    rows.push({
      section: e,
      metric: `${what} p50 / p95, first token ${r.options.firstTokenMs ? `after ${r.options.firstTokenMs} ms` : 'at once'}${judged ? ' (goal judged here)' : ' (information)'}`,
      app: ms(r[k].proxy),
      bare: ms(r[k].direct),
      ratio: `${r50.toFixed(3)}x / ${ratio(r, k, 'p95').toFixed(3)}x`,
      ...(judged && { goal: 'p50 <= 1.1x', pass: r50 <= 1.1 }),
    });
  };
  add(atOnce, 'ttfb', 'time to first byte', false);
  add(atOnce, 'total', 'total time', false);
  add(realistic, 'ttfb', 'time to first byte', true);
  add(realistic, 'total', 'total time', true);
  const { peakMB, beforeMB } = realistic.rss;
  rows.push({
    section: e,
    metric: `RSS with ${opts.proxyStreams} streams at once (this process: proxy, upstream, client), usage metered ${realistic.meteredConcurrent}/${opts.proxyStreams}`,
    app: `${peakMB.toFixed(0)} MB (+${(peakMB - beforeMB).toFixed(1)} MB)`,
    goal: '< 300 MB',
    pass: peakMB < 300 && realistic.meteredConcurrent === opts.proxyStreams,
  });
  Object.assign(figures, {
    eTtfbP50RatioAtOnce: ratio(atOnce, 'ttfb', 'p50'),
    eTotalP50RatioAtOnce: ratio(atOnce, 'total', 'p50'),
    eTtfbP50Ratio: ratio(realistic, 'ttfb', 'p50'),
    eTotalP50Ratio: ratio(realistic, 'total', 'p50'),
    eTtfbP50ProxyMs: realistic.ttfb.proxy.p50,
    eTtfbP50DirectMs: realistic.ttfb.direct.p50,
    eRssPeakMB: peakMB,
  });
}

/** User and system CPU seconds of a Linux process and its waited-for children, from /proc; 0 without a pid. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  // Fields after the command name: utime, stime, cutime, cstime are the 14th to 17th of the line.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return fields.slice(11, 15).reduce((sum, v) => sum + Number(v), 0) / 100;
}

function print(): void {
  const total = (performance.now() - started) / 1000;
  const header = ['section', 'metric', 'app', 'baseline', 'app / baseline', 'goal', ''];
  const cells = rows.map((r) => [
    r.section,
    r.metric,
    r.app,
    r.bare ?? '',
    r.ratio ?? '',
    r.goal ?? '',
    r.pass === undefined ? '' : r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(
    `\nissue-agent benchmark: GitHub latency ${opts.latencyMs} ms, writes spaced ${opts.writeSpacingMs} ms per installation; ` +
      'baseline: the bare Probot app in (a) to (c), the upstream called directly in (e)',
  );
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const c of cells) console.log(line(c));
  const failed = rows.filter((r) => r.pass === false);
  console.log(
    `\n${rows.filter((r) => r.pass).length} goals passed, ${failed.length} failed; took ${total.toFixed(0)} s`,
  );
  if (flags.json) console.log(JSON.stringify({ options: { ...opts, only: [...opts.only] }, figures, seconds: total }));
  process.exitCode = failed.length ? 1 : 0;
}
