/**
 * Benchmark: how fast the webhook handler answers a signed `/agent` comment over real HTTP,
 * with GitHub simulated by nock at a fixed latency per call. The agent is a stand-in that
 * sleeps, so the numbers show the handler's own path (config + permission in parallel, then
 * reaction + status comment in parallel), never the run.
 *
 *   npm run bench:webhook -- [deliveries=50] [githubLatencyMs=50]
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
import { fakeAgentBin } from '../test/helpers/fake-agent.js';
import { makeRemote } from '../test/helpers/git-remote.js';
import { commentPayload } from '../test/helpers/payloads.js';
import { privateKey, startTestServer } from '../test/helpers/probot.js';

const deliveries = Number(process.argv[2] ?? 50);
const latency = Number(process.argv[3] ?? 50);
const SECRET = 'bench-secret';
const R = '/repos/Codertocat/Hello-World';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');
const api = nock('https://api.github.com').persist();
api
  .post('/app/installations/1/access_tokens')
  .delay(latency)
  .reply(201, { token: 'ghs_bench', expires_at: new Date(Date.now() + 3.6e6).toISOString() });
api.get(`${R}/contents/.github%2Fissue-agent.yml`).delay(latency).reply(404, {});
api.get('/repos/Codertocat/.github/contents/.github%2Fissue-agent.yml').delay(latency).reply(404, {});
api
  .get(`${R}/collaborators/Codertocat/permission`)
  .delay(latency)
  .reply(200, { permission: 'admin', role_name: 'admin' });
api.post(`${R}/issues/comments/492700400/reactions`).delay(latency).reply(201, {});
api.post(`${R}/issues/1/comments`).delay(latency).reply(201, { id: 1 });
api.patch(/.*/).delay(latency).reply(200, {});

const redactor = new Redactor();
const log = createLogger({ level: 'silent', redactor });
const env = loadEnv({
  APP_ID: '1',
  PRIVATE_KEY: privateKey,
  WEBHOOK_SECRET: SECRET,
  SANDBOX_PROVIDER: 'local',
  MAX_CONCURRENT_JOBS: '1',
});
const bin = fakeAgentBin('claude', { sleep: 600 });
// One long job holds the only slot, so every delivery queues behind it: no run starts during the measurement.
const store = await openJobStore({ dataDir: mkdtempSync(join(tmpdir(), 'issue-agent-data-')) });
const app = createApp({
  env,
  store,
  pollMs: 50,
  provider: new LocalSandboxProvider({ pathPrefix: [bin] }),
  agentEnv: { ANTHROPIC_API_KEY: 'sk-bench-key-000000' },
  log,
  redactor,
});
const { server, port } = await startTestServer(app.appFn, { log, secret: SECRET });

const body = JSON.stringify(commentPayload('/agent go', { cloneUrl: makeRemote({ 'a.txt': 'a\n' }).url }));
const signature = await sign(SECRET, body);
const times: number[] = [];
for (let i = 0; i < deliveries; i++) {
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'issue_comment',
      'x-github-delivery': `bench-${i}`,
      'x-hub-signature-256': signature,
    },
    body,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`delivery ${i}: HTTP ${res.status}`);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!.toFixed(1);
console.log(
  JSON.stringify({
    deliveries,
    githubLatencyMs: latency,
    p50Ms: pct(50),
    p95Ms: pct(95),
    maxMs: times.at(-1)!.toFixed(1),
    rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
  }),
);
await app.runner.stop(0);
await server.stop();
process.exit(0);
