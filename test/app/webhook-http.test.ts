import { sign } from '@octokit/webhooks-methods';
import type { Server } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJobStore } from '../../src/jobs/store/open.js';
import { Redactor } from '../../src/security/redactor.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { createApp } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.js';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import { fakeAgentBin } from '../helpers/fake-agent.js';
import { makeRemote } from '../helpers/git-remote.js';
import { commentPayload } from '../helpers/payloads.js';
import { captureLogger, privateKey, startTestServer } from '../helpers/probot.js';
import type { Handler } from '../helpers/github-mock.js';
import { API_KEY, claudeLines, happyGitHub, OWNER, R, REPO, resetNock, statusEdits } from './harness.js';

const SECRET = 'webhook-secret-for-the-http-test';

describe('webhooks over real HTTP', () => {
  let server: Server | undefined;
  beforeEach(resetNock);
  afterEach(async () => {
    await server?.stop();
    resetNock();
  });

  async function start(agentSleep: number) {
    const redactor = new Redactor();
    const { log } = captureLogger(redactor);
    const bin = fakeAgentBin('claude', { writes: { 'a.txt': 'b\n' }, lines: claudeLines('done'), sleep: agentSleep });
    const env = loadEnv({ APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, SANDBOX_PROVIDER: 'local' });
    const store = await openJobStore({ dataDir: mkdtempSync(join(tmpdir(), 'issue-agent-data-')) });
    const app = createApp({
      env,
      store,
      metrics: new Metrics(store),
      pollMs: 50,
      provider: new LocalSandboxProvider({ pathPrefix: [bin] }),
      agentEnv: { ANTHROPIC_API_KEY: API_KEY },
      log,
      redactor,
    });
    const started = await startTestServer(app.appFn, { log, secret: SECRET });
    server = started.server;
    const base = `http://127.0.0.1:${started.port}`;
    return { app, url: `${base}/api/github/webhooks`, base };
  }

  async function deliver(url: string, body: string, signature: string | undefined) {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-github-event': 'issue_comment',
      'x-github-delivery': 'http-1',
    };
    if (signature !== undefined) headers['x-hub-signature-256'] = signature;
    const t0 = performance.now();
    const res = await fetch(url, { method: 'POST', headers, body });
    return { status: res.status, ms: performance.now() - t0 };
  }

  it('answers a signed delivery before the agent finishes, and the run completes afterwards', async () => {
    const { app, url } = await start(2);
    const gh = happyGitHub();
    const body = JSON.stringify(commentPayload('/agent go', { cloneUrl: makeRemote({ 'a.txt': 'a\n' }).url }));
    const res = await deliver(url, body, await sign(SECRET, body));
    expect(res.status).toBe(200);
    // The handler did not wait for the agent: when the answer came, no pull request had been
    // opened yet (it is opened only after the agent, which sleeps 2 s, has exited)...
    const atAnswer = gh.lines();
    expect(atAnswer).not.toContain(`POST ${R}/pulls`);
    // ... and the job runs in the background after it.
    await expect.poll(() => app.runner.running, { timeout: 10_000, interval: 20 }).toBe(1);
    // A quick answer (under 100 ms on an idle machine): well within the 10 s GitHub waits for
    // one, with room for a loaded machine.
    expect(res.ms).toBeLessThan(3_000);
    await app.idle();
    expect(gh.lines()).toContain(`POST ${R}/issues/1/comments`);
    expect(gh.lines()).toContain(`POST ${R}/pulls`);
    expect(statusEdits(gh).at(-1)).toMatch(/Opened pull request #42/);
  });

  it('answers once the job is recorded, before the 👀 and the status comment are written', async () => {
    const { app, url } = await start(0);
    // GitHub takes 2 s to answer each acknowledgement write.
    const slow =
      (reply: [number, unknown]): Handler =>
      () =>
        new Promise((r) => setTimeout(() => r(reply), 2_000));
    const gh = happyGitHub({
      [`POST ${R}/issues/comments/492700400/reactions`]: slow([201, { id: 1, content: 'eyes' }]),
      [`POST ${R}/issues/1/comments`]: slow([201, { id: 1001 }]),
    });
    const body = JSON.stringify(commentPayload('/agent go', { cloneUrl: makeRemote({ 'a.txt': 'a\n' }).url }));
    const res = await deliver(url, body, await sign(SECRET, body));
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(500);
    expect((await app.store.stats()).queueDepth + (await app.store.stats()).running).toBe(1);
    // The acknowledgement lands afterwards: the comment's id is recorded and the run edits it.
    await app.idle();
    const job = await app.store.latestForPullRequest({ owner: OWNER, name: REPO }, 42);
    expect(job?.statusCommentId).toBe(1001);
    expect(gh.lines()).toContain(`POST ${R}/issues/comments/492700400/reactions`);
    expect(gh.lines().filter((l) => l === `POST ${R}/issues/1/comments`)).toHaveLength(1);
    expect(statusEdits(gh).at(-1)).toMatch(/Opened pull request #42/);
  }, 20_000);

  it('rejects a bad or missing signature with 400 and starts nothing', async () => {
    const { app, url } = await start(0);
    const gh = happyGitHub();
    const body = JSON.stringify(commentPayload('/agent go', { cloneUrl: 'file:///nonexistent' }));
    expect((await deliver(url, body, await sign('wrong-secret', body))).status).toBe(400);
    expect((await deliver(url, body, undefined)).status).toBe(400);
    expect(gh.lines()).toEqual([]);
    expect((await app.store.stats()).queueDepth + (await app.store.stats()).running).toBe(0);
  });

  it('serves /healthz (store reachable, queue depth) and /metrics (Prometheus) next to /ping', async () => {
    const { app, url, base } = await start(0);
    happyGitHub();
    const body = JSON.stringify(commentPayload('/agent go', { cloneUrl: makeRemote({ 'a.txt': 'a\n' }).url }));
    expect((await deliver(url, body, await sign(SECRET, body))).status).toBe(200);
    await app.idle();

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'ok',
      store: 'sqlite',
      queueDepth: 0,
      running: 0,
      credentials: 'in-sandbox',
    });
    expect((await fetch(`${base}/ping`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('issue_agent_jobs{state="succeeded",agent="claude"} 1');
    expect(metrics).toContain('issue_agent_queue_depth 0');
    expect(metrics).toMatch(/issue_agent_run_duration_seconds_count\{agent="claude",outcome="pr"\} 1/);
    expect(metrics).toMatch(/issue_agent_sandbox_starts_total\{result="started"\} 1/);

    await app.store.close();
    const down = await fetch(`${base}/healthz`);
    expect(down.status).toBe(503);
  });
});
