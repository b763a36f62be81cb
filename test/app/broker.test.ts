import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { Broker } from '../../src/broker/broker.js';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.js';
import { makeRemote } from '../helpers/git-remote.js';
import { READ_TOKEN } from '../helpers/github-mock.js';
import { aJob } from '../helpers/job.js';
import { commentPayload } from '../helpers/payloads.js';
import { startGitHttpServer, type GitHttpServer } from '../workspace/git-http-server.js';
import {
  API_KEY,
  claudeLines,
  happyGitHub,
  R,
  resetNock,
  serveLater,
  startApp,
  statusEdits,
  type Harness,
} from './harness.js';

/**
 * The broker inside the app: the stand-in agent calls the model through the app's proxy with
 * what its environment holds (as the real CLIs do: test/agents-cli), the app meters the call,
 * enforces the limits and calls the fake Anthropic API with the real key.
 */

/**
 * A shell line for the stand-in agent: one Messages call with its own env (to `base`, the
 * broker it was given by default); the HTTP status goes to `$rec/<name>`.
 */
function modelCall(name: string, base = '$ANTHROPIC_BASE_URL'): string {
  const body = JSON.stringify({
    model: 'claude-sonnet-4-5',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Say hello in a few words, please.' }],
  });
  return [
    `curl -sS -o /dev/null -w '%{http_code}' -H "x-api-key: $ANTHROPIC_API_KEY" -H 'anthropic-version: 2023-06-01'`,
    `-H 'content-type: application/json' "${base}/v1/messages" -d '${body}' > "$rec/${name}"`,
  ].join(' ');
}

const config = (yaml: string) => ({
  [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, yaml] as [number, unknown],
});

let h: Harness | undefined;
let fake: FakeAnthropic | undefined;
let git: GitHttpServer | undefined;
let other: Awaited<ReturnType<typeof serveLater>> | undefined;
beforeEach(resetNock);
afterEach(async () => {
  resetNock();
  await h?.close();
  await fake?.close();
  await git?.close();
  await other?.close();
  h = fake = git = other = undefined;
});

/** The app with the broker on, the fake Anthropic API (expecting `key`) as its upstream. */
async function start(script: Parameters<typeof startApp>[0], key = API_KEY): Promise<Harness> {
  fake = await startFakeAnthropic({ apiKey: key, turns: ['Hello!'] });
  h = await startApp(script, { broker: true, env: { ANTHROPIC_BASE_URL: fake.url } });
  return h;
}

function recorded(harness: Harness, file: string): string {
  return readFileSync(join(harness.agentBin, 'record', file), 'utf8');
}

async function trigger(harness: Harness, cloneUrl: string, id = 'd1'): Promise<void> {
  await harness.probot.receive({
    id,
    name: 'issue_comment',
    payload: commentPayload('/agent fix it', { cloneUrl }) as never,
  });
  await harness.app.idle();
}

describe('broker: model calls through the app', () => {
  it('gives the agent the proxy and a capability, never the key; meters its calls into the status and PR', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const app = await start({ writes: { 'a.txt': 'b\n' }, extra: modelCall('status'), lines: claudeLines('Done.') });
    const gh = happyGitHub();
    await trigger(app, remote.url);

    const env = recorded(app, 'env');
    expect(env).not.toContain(API_KEY);
    expect(env).toContain(`ANTHROPIC_BASE_URL=${app.brokerUrl}/broker/anthropic\n`);
    const token = /^ANTHROPIC_API_KEY=(iacap_\S+)$/m.exec(env)?.[1];
    expect(token).toBeDefined();
    expect(recorded(app, 'status')).toBe('200');
    // Upstream got the real key, never the capability.
    expect(fake!.requests.map((r) => r.headers['x-api-key'])).toEqual([API_KEY]);

    const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as { body: string }[];
    expect(pr!.body).toMatch(/\| Cost \| \$0\.\d{4} \(\d+ input, \d+ output tokens\) \|/);
    expect(statusEdits(gh).at(-1)).toMatch(
      /✅ Opened pull request #42[\s\S]*💰 \$0\.\d{4} \(\d+ input, \d+ output tokens\)/,
    );
    const metrics = await app.metrics.registry.metrics();
    const labels = 'repo="Codertocat/Hello-World",agent="claude",model="claude-sonnet-4-5"';
    expect(metrics).toMatch(new RegExp(`issue_agent_model_cost_usd_total\\{${labels}\\} 0\\.\\d+`));
    expect(metrics).toMatch(new RegExp(`issue_agent_model_tokens_total\\{${labels},kind="input"\\} \\d+`));
    expect(metrics).toContain('issue_agent_broker_requests_total{route="anthropic",status="200"} 1');

    // The job has ended: its token opens nothing any more.
    const after = await fetch(`${app.brokerUrl}/broker/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': token!, 'content-type': 'application/json' },
      body: '{"model":"claude-sonnet-4-5","max_tokens":1,"messages":[]}',
    });
    expect(after.status).toBe(401);
    expect(fake!.requests).toHaveLength(1);
  });

  it('stops a run at its cost limit: the next call is refused, nothing is committed', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    // $1 per token: the first call costs far more than the limit.
    const app = await start({
      writes: { 'a.txt': 'b\n' },
      extra: `${modelCall('first')}; sleep 1; ${modelCall('second')}; sleep 5`,
      lines: claudeLines('Done.'),
    });
    const gh = happyGitHub(
      config('limits:\n  maxCostUsdPerRun: 1\npricing:\n  claude-sonnet-4-5: { input: 1000000, output: 1000000 }\n'),
    );
    await trigger(app, remote.url);

    // The agent is stopped as the first answer is metered: its own record of it may not get written.
    expect(fake!.requests.map((r) => r.headers['x-api-key'])).toEqual([API_KEY]);
    expect(statusEdits(gh).at(-1)).toMatch(
      /⏹️ Stopped in \d+ s: cost limit of \$1\.00 per run reached \(\$\d+\.\d\d spent\)\. Nothing was committed\./,
    );
    expect(gh.lines()).not.toContain(`POST ${R}/git/trees`);
    expect(gh.lines()).not.toContain(`POST ${R}/pulls`);
    expect(fake!.requests).toHaveLength(1);
  });

  it('stops a run before committing when another replica served the call that crossed the limit', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    // Another replica's broker on the same store: it meters and refuses, but cannot abort this run.
    other = await serveLater();
    const app = await start({
      writes: { 'a.txt': 'b\n' },
      extra: modelCall('first', `${other.url}/broker/anthropic`),
      lines: claudeLines('Done.'),
    });
    other.handler = new Broker({
      store: app.app.store,
      appEnv: app.agentEnv,
      mintReadToken: () => Promise.reject(new Error('not used')),
      log: pino({ level: 'silent' }),
      endRun: () => false,
    }).handler();
    const gh = happyGitHub(
      config('limits:\n  maxCostUsdPerRun: 1\npricing:\n  claude-sonnet-4-5: { input: 1000000, output: 1000000 }\n'),
    );
    await trigger(app, remote.url);

    expect(recorded(app, 'first')).toBe('200');
    expect(statusEdits(gh).at(-1)).toMatch(/⏹️ Stopped in \d+ s: cost limit of \$1\.00 per run reached/);
    expect(gh.lines()).not.toContain(`POST ${R}/git/trees`);
  });

  it('refuses a trigger once the repository has spent its month, naming limit and spend', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const app = await start({ writes: { 'a.txt': 'b\n' }, lines: claudeLines('Done.') });
    // An earlier run this month spent $2.50 (past its deadline, so the runner leaves it alone).
    const earlier = aJob({ repo: { owner: 'Codertocat', name: 'Hello-World' }, config: { timeoutMinutes: 1 } });
    const { job } = await app.app.store.enqueue({ ...earlier, createdAt: Date.now() - 61_000 }, 'earlier');
    await app.app.store.addUsage(job.id, {
      inputTokens: 1,
      outputTokens: 1,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 2.5,
    });
    const gh = happyGitHub(config('limits:\n  monthlyCostUsd: 2\n'));
    await trigger(app, remote.url, 'd2');

    const replies = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toMatch(
      /^No run was started: this repository's monthly cost limit of \$2\.00 is reached \(\$2\.50 spent in \w+ \d{4}; set by `limits\.monthlyCostUsd`/,
    );
    expect(fake!.requests).toHaveLength(0);
  });

  it('ends the run when the provider refuses the app’s key, naming the variable', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const app = await start(
      { writes: { 'a.txt': 'b\n' }, extra: `${modelCall('status')}; sleep 10`, lines: claudeLines('Done.') },
      'sk-ant-some-other-key-the-app-does-not-have',
    );
    const gh = happyGitHub();
    await trigger(app, remote.url);

    // The agent is stopped as the 401 passes through, so its own record of it may not get written.
    expect(fake!.requests.map((r) => r.headers['x-api-key'])).toEqual([API_KEY]);
    expect(statusEdits(gh).at(-1)).toMatch(
      /❌ Failed in \d+ s: the Anthropic API refused the app's key \(HTTP 401\): ask whoever runs this app to check `ANTHROPIC_API_KEY`/,
    );
    expect(gh.lines()).not.toContain(`POST ${R}/pulls`);
  });
});

describe('broker: git through the app', () => {
  it('clones through the app’s endpoint; the read token stays in the app', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    git = await startGitHttpServer(dirname(remote.dir), READ_TOKEN);
    const app = await start({ writes: { 'a.txt': 'b\n' }, lines: claudeLines('Done.') });
    const gh = happyGitHub();
    await trigger(app, `${git.url}/${basename(remote.dir)}/.git`);

    expect(statusEdits(gh).at(-1)).toMatch(/✅ Opened pull request #42/);
    expect(gh.bodiesOf('POST', `${R}/git/trees`)).toEqual([
      { base_tree: remote.tree, tree: [{ path: 'a.txt', mode: '100644', type: 'blob', content: 'b\n' }] },
    ]);
    // The git server saw the read token (from the app), the agent's environment has neither it nor the key.
    const expected = `Basic ${Buffer.from(`x-access-token:${READ_TOKEN}`).toString('base64')}`;
    expect(git.authorizations.length).toBeGreaterThan(0);
    expect(git.authorizations.every((a) => a === expected)).toBe(true);
    const env = recorded(app, 'env');
    expect(env).not.toContain(READ_TOKEN);
    expect(env).not.toContain(API_KEY);
  });
});
