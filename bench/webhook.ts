/**
 * Benchmark: how fast the webhook handler answers over real HTTP, with GitHub simulated by nock
 * at a fixed latency per call, and how many GitHub calls each event costs. The runner is
 * stopped before the first delivery, so no run starts: the numbers are the handler's own path.
 *
 *   npm run bench:webhook -- [deliveries=50] [githubLatencyMs=50]                 `/agent` comments
 *   npm run bench:webhook -- --non-trigger [deliveries=500] [githubLatencyMs=50]  `bug` labels
 *   ... --cold                                          the config cache off: every event reads it
 *
 * Trigger mode sends a distinct comment per delivery (each one a new job: config, permission,
 * record, 👀 and status comment). Non-trigger mode labels the issue `bug`, which starts nothing.
 */
import { sign } from '@octokit/webhooks-methods';
import nock from 'nock';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJobStore } from '../src/jobs/store/open.js';
import { createApp } from '../src/app.js';
import { loadEnv } from '../src/config/env.js';
import { Redactor } from '../src/security/redactor.js';
import { createLogger } from '../src/telemetry/logger.js';
import { LocalSandboxProvider } from '../src/sandbox/local.js';
import { makeRemote } from '../test/helpers/git-remote.js';
import { commentPayload, labeledPayload } from '../test/helpers/payloads.js';
import { privateKey, startTestServer } from '../test/helpers/probot.js';

const args = process.argv.slice(2);
const nonTrigger = args.includes('--non-trigger');
const cold = args.includes('--cold');
const [deliveriesArg, latencyArg] = args.filter((a) => !a.startsWith('--'));
const deliveries = Number(deliveriesArg ?? (nonTrigger ? 500 : 50));
const latency = Number(latencyArg ?? 50);
const SECRET = 'bench-secret';
const R = '/repos/Codertocat/Hello-World';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');
let calls = 0;
/** A reply that counts the call. */
const counted =
  (status: number, body: unknown = {}) =>
  (): [number, unknown] => {
    calls++;
    return [status, body];
  };
const api = nock('https://api.github.com').persist();
api
  .post('/app/installations/1/access_tokens')
  .delay(latency)
  .reply(counted(201, { token: 'ghs_bench', expires_at: new Date(Date.now() + 3.6e6).toISOString() }));
api.get(`${R}/contents/.github%2Fissue-agent.yml`).delay(latency).reply(counted(404));
api.get('/repos/Codertocat/.github/contents/.github%2Fissue-agent.yml').delay(latency).reply(counted(404));
api
  .get(`${R}/collaborators/Codertocat/permission`)
  .delay(latency)
  .reply(counted(200, { permission: 'admin', role_name: 'admin' }));
api
  .post(/^\/repos\/Codertocat\/Hello-World\/issues\/comments\/\d+\/reactions$/)
  .delay(latency)
  .reply(counted(201));
api
  .post(`${R}/issues/1/comments`)
  .delay(latency)
  .reply(counted(201, { id: 1 }));

const redactor = new Redactor();
const log = createLogger({ level: 'silent', redactor });
const env = loadEnv({ APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, SANDBOX_PROVIDER: 'local' });
const store = await openJobStore({ dataDir: mkdtempSync(join(tmpdir(), 'issue-agent-data-')) });
const app = createApp({
  env,
  store,
  pollMs: 50,
  provider: new LocalSandboxProvider(),
  agentEnv: { ANTHROPIC_API_KEY: 'sk-bench-key-000000' },
  log,
  redactor,
  ...(cold && { configTtlMs: 0 }),
});
const { server, port } = await startTestServer(app.appFn, { log, secret: SECRET });
// Jobs are recorded and acknowledged, never run: the measurement is the webhook path alone.
await app.runner.stop(0);

const cloneUrl = makeRemote({ 'a.txt': 'a\n' }).url;
/** The event and body of delivery `i`: a new `/agent` comment, or the label `bug`. */
function delivery(i: number): { event: string; body: string } {
  if (nonTrigger) return { event: 'issues', body: JSON.stringify(labeledPayload('bug', { cloneUrl })) };
  const payload = commentPayload(`/agent go ${i}`, { cloneUrl });
  (payload.comment as { id: number }).id = 1_000_000 + i;
  return { event: 'issue_comment', body: JSON.stringify(payload) };
}

const times: number[] = [];
const callsOf: number[] = [];
for (let i = 0; i < deliveries; i++) {
  const { event, body } = delivery(i);
  const signature = await sign(SECRET, body);
  const before = calls;
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': `bench-${i}`,
      'x-hub-signature-256': signature,
    },
    body,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`delivery ${i}: HTTP ${res.status}`);
  times.push(performance.now() - t0);
  callsOf.push(calls - before);
}
const { byState } = await store.stats();
const jobs = Object.values(byState).reduce((a, b) => a + b, 0);
if (jobs !== (nonTrigger ? 0 : deliveries)) throw new Error(`${jobs} jobs recorded for ${deliveries} deliveries`);
const sorted = [...times].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1);
const rest = callsOf.slice(1);
console.log(
  JSON.stringify({
    mode: `${nonTrigger ? 'non-trigger (label `bug`)' : 'trigger (`/agent` comment)'}${cold ? ', config cache off' : ''}`,
    deliveries,
    githubLatencyMs: latency,
    p50Ms: pct(50),
    p95Ms: pct(95),
    p99Ms: pct(99),
    maxMs: sorted.at(-1)!.toFixed(1),
    firstEventMs: times[0]!.toFixed(1),
    githubCallsFirstEvent: callsOf[0],
    githubCallsPerEventAfterFirst: rest.length ? +(rest.reduce((a, b) => a + b, 0) / rest.length).toFixed(2) : 0,
    rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
  }),
);
await server.stop();
await store.close();
process.exit(0);
