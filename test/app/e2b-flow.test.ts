import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { E2BSandboxProvider, type E2BProviderOptions } from '../../src/sandbox/e2b.js';
import { cleanupOrphans } from '../../src/sandbox/orphans.js';
import { startFakeE2B, type FakeE2B, type RecordedRequest } from '../fakes/e2b-server/index.js';
import type { FakeAgentScript } from '../helpers/fake-agent.js';
import { makeRemote } from '../helpers/git-remote.js';
import { INSTALLATION_TOKEN, READ_TOKEN } from '../helpers/github-mock.js';
import { labeledPayload } from '../helpers/payloads.js';
import {
  callsOfARun,
  claudeLines,
  expectPagerAgentInput,
  expectPagerPullRequest,
  happyGitHub,
  phaseLines,
  R,
  resetNock,
  startApp,
  statusEdits,
} from './harness.js';

/**
 * The whole label-to-PR flow with SANDBOX_PROVIDER=e2b: the real provider and the real `e2b`
 * SDK, talking to the local E2B stand-in (test/fakes/e2b-server). The clone source and the
 * stand-in agent live under /tmp, which the stand-in's sandboxes see as the host does.
 */

let fake: FakeE2B;
/** On the sandboxes' PATH; each test links its own stand-in `claude` here. */
let binDir: string;

beforeAll(async () => {
  binDir = mkdtempSync(join(tmpdir(), 'issue-agent-e2b-bin-'));
  fake = await startFakeE2B({ templates: ['claude'], pathPrefix: [binDir] });
});
afterAll(async () => {
  await fake.close();
  rmSync(binDir, { recursive: true, force: true });
});
beforeEach(resetNock);
afterEach(() => {
  resetNock();
  for (const sandbox of fake.sandboxes()) sandbox.die('drop');
});

/** The provider as main.ts builds it for SANDBOX_PROVIDER=e2b, pointed at the stand-in, with quick retries. */
function provider(overrides: Partial<E2BProviderOptions> = {}): E2BSandboxProvider {
  return new E2BSandboxProvider({
    apiKey: fake.apiKey,
    apiUrl: fake.apiUrl,
    sandboxUrl: fake.sandboxUrl,
    createRetry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    ...overrides,
  });
}

/** The app wired with the E2B provider; the stand-in agent is what `claude` runs in the sandboxes. */
async function startE2BApp(script: FakeAgentScript, overrides: Partial<E2BProviderOptions> = {}) {
  // main.ts picks this provider when SANDBOX_PROVIDER=e2b; createApp itself is provider-agnostic.
  const h = await startApp(script, { provider: () => provider(overrides) });
  rmSync(join(binDir, 'claude'), { force: true });
  symlinkSync(join(h.agentBin, 'claude'), join(binDir, 'claude'));
  return h;
}

const requestsSince = (from: number) => fake.requests.slice(from);
const creates = (reqs: RecordedRequest[]) =>
  reqs.filter((r) => r.plane === 'api' && r.method === 'POST' && r.path === '/v2/sandboxes');
const kills = (reqs: RecordedRequest[]) =>
  reqs.filter((r) => r.plane === 'api' && r.method === 'DELETE').map((r) => /^\/sandboxes\/([^/?]+)/.exec(r.path)?.[1]);
const envdSandboxIds = (reqs: RecordedRequest[]) =>
  new Set(reqs.filter((r) => r.plane === 'envd').map((r) => r.headers['e2b-sandbox-id']));

/** The status lines after "Starting the sandbox", which must come first. */
function phases(gh: ReturnType<typeof happyGitHub>): string[] {
  const lines = phaseLines(statusEdits(gh));
  expect(lines[0]).toBe('🚀 Starting the sandbox…');
  const rest = lines.slice(1);
  // One status comment, edited in place: never a second one.
  expect(gh.bodiesOf('POST', `${R}/issues/1/comments`)).toHaveLength(1);
  return rest;
}

async function label(
  h: Awaited<ReturnType<typeof startE2BApp>>,
  remoteUrl: string,
  gh = happyGitHub(),
  issue: { title?: string; body?: string } = {},
) {
  await h.probot.receive({
    id: 'delivery-e2b',
    name: 'issues',
    payload: labeledPayload('agent', { cloneUrl: remoteUrl, ...issue }) as never,
  });
  await h.app.idle();
  return gh;
}

describe('label to pull request with SANDBOX_PROVIDER=e2b (real SDK, local E2B server)', () => {
  it('labels an issue `agent` and ends with a PR, in a tagged `claude` sandbox that is killed at the end', async () => {
    const remote = makeRemote({ 'README.md': '# Hello\n', 'src/pager.ts': 'export const last = (n: number) => n;\n' });
    const h = await startE2BApp({
      writes: { 'src/pager.ts': 'export const last = (n: number) => n - 1;\n', 'docs/pager.md': 'Pages start at 1.\n' },
      lines: claudeLines('Fixed the off-by-one in the pager.'),
    });
    const from = fake.requests.length;
    const gh = await label(h, remote.url, happyGitHub(), {
      title: 'Pager skips the last page',
      body: 'The last page is never shown.',
    });
    const reqs = requestsSince(from);

    // GitHub saw the same conversation as with the local provider.
    expect([...gh.lines()].sort()).toEqual(callsOfARun(gh));
    expect(gh.lines().filter((l) => /git\/|pulls/.test(l))).toEqual([
      `POST ${R}/git/trees`,
      `POST ${R}/git/commits`,
      `POST ${R}/git/refs`,
      `POST ${R}/pulls`,
      `POST ${R}/pulls/42/requested_reviewers`,
    ]);
    expectPagerPullRequest(gh, remote);
    expect(phases(gh)).toEqual([
      '📥 Cloning the repository…',
      '🤖 Running claude…',
      '📝 Committing the changes…',
      expect.stringMatching(
        /^✅ Opened pull request #42 in \d+ s: https:\/\/github\.com\/Codertocat\/Hello-World\/pull\/42$/,
      ),
    ]);

    // One sandbox, from the `claude` template, tagged with the job, sized to it, with no GitHub token.
    const [create, ...more] = creates(reqs);
    expect(more).toEqual([]);
    expect(create!.headers['x-api-key']).toBe(fake.apiKey);
    const body = create!.body as {
      templateID: string;
      metadata: Record<string, string>;
      envVars?: Record<string, string>;
      timeout: number;
      autoPause?: boolean;
    };
    expect(body.templateID).toBe('claude');
    expect(body.metadata).toEqual({
      app: '1',
      installation: '1',
      repo: 'Codertocat/Hello-World',
      issue: '1',
      job: expect.stringMatching(/^\S+$/),
      agent: 'claude',
    });
    expect(body.timeout).toBe(35 * 60); // timeoutMinutes (30) plus the cleanup margin, in seconds
    expect(body.autoPause ?? false).toBe(false);
    const envs = JSON.stringify(body.envVars ?? {});
    expect(envs).not.toContain(READ_TOKEN);
    expect(envs).not.toContain(INSTALLATION_TOKEN);
    expect(envs).not.toMatch(/GITHUB|GH_TOKEN/);

    // Every envd call went to that sandbox, and it was killed at the end: the fake has none left.
    const ids = envdSandboxIds(reqs);
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(kills(reqs)).toEqual([id]);
    expect(fake.sandbox(id as string)).toBeUndefined();
    expect(fake.sandboxes()).toEqual([]);

    // The agent ran inside the sandbox (its home is /home/user there), got its key and no GitHub token.
    expect(readFileSync(join(h.agentBin, 'record', 'cwd'), 'utf8').trim()).toMatch(/\/home\/user\/repo$/);
    expectPagerAgentInput(h);
  });

  it('with followUps.keepSandboxMinutes the sandbox is paused, not killed, and the orphan sweep leaves it until the window ends', async () => {
    const remote = makeRemote({ 'README.md': '# Hello\n' });
    const h = await startE2BApp({ writes: { 'b.txt': 'bee\n' }, lines: claudeLines('Said bee.') });
    const from = fake.requests.length;
    const started = Date.now();
    const config = 'followUps:\n  keepSandboxMinutes: 5\nnetwork:\n  allowOut: [api.anthropic.com, github.com]\n';
    await label(h, remote.url, happyGitHub({ [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, config] }));
    const finished = Date.now();

    // The repository's config reached the create request: egress allow-list, pause on timeout.
    const [create] = creates(requestsSince(from));
    expect(create!.body).toMatchObject({
      network: { allowOut: ['api.anthropic.com', 'github.com'], denyOut: ['0.0.0.0/0'] },
      autoPause: true,
    });
    expect(kills(requestsSince(from))).toEqual([]);
    const [sandbox, ...others] = fake.sandboxes();
    expect(others).toEqual([]);
    expect(sandbox!.state).toBe('paused');
    const job = (await h.app.store.latestForPullRequest({ owner: 'Codertocat', name: 'Hello-World' }, 42))!;
    expect(job.sandboxId).toBe(sandbox!.id);
    expect(job.sandboxKeptUntil).toBeGreaterThanOrEqual(started + 5 * 60_000);
    expect(job.sandboxKeptUntil).toBeLessThanOrEqual(finished + 5 * 60_000);

    // The sweep as main.ts wires it, without a grace period: its job is over, but the sandbox is kept.
    const sweep = (at: number) =>
      cleanupOrphans({
        sandboxes: provider(),
        appId: 1,
        isJobActive: (id) => h.app.store.isActive(id),
        isSandboxInUse: (id, now) => h.app.store.sandboxInUse(id, now),
        graceMs: 0,
        now: () => at,
      });
    expect(await sweep(Date.now())).toMatchObject({ kept: [sandbox!.id], killed: [] });
    expect(await sweep(job.sandboxKeptUntil! + 1)).toMatchObject({ kept: [], killed: [sandbox!.id] });
    expect(fake.sandboxes()).toEqual([]);
  });

  it('a 429 on create is retried, then the run goes on to the PR', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const h = await startE2BApp({ writes: { 'a.txt': 'b\n' }, lines: claudeLines('Changed a to b.') });
    fake.failCreate(429, { times: 2 });
    const from = fake.requests.length;
    const gh = await label(h, remote.url);
    const reqs = requestsSince(from);

    expect(creates(reqs)).toHaveLength(3);
    expect(phases(gh)).toEqual([
      '📥 Cloning the repository…',
      '🤖 Running claude…',
      '📝 Committing the changes…',
      expect.stringMatching(/^✅ Opened pull request #42 in \d+ s: /),
    ]);
    expect(kills(reqs)).toHaveLength(1);
    expect(fake.sandboxes()).toEqual([]);
  });
});

describe('E2B faults end as a failed status a maintainer can act on', () => {
  /** Runs a label trigger expected to fail at sandbox creation; returns the status edits. */
  async function failsAtStart(overrides: Partial<E2BProviderOptions> = {}, config?: string) {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const h = await startE2BApp({ writes: { 'a.txt': 'b\n' }, lines: claudeLines('done') }, overrides);
    const gh = happyGitHub(
      config === undefined ? {} : { [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, config] },
    );
    const from = fake.requests.length;
    await label(h, remote.url, gh);
    const reqs = requestsSince(from);
    expect(gh.lines()).not.toContain(`POST ${R}/git/trees`);
    expect(existsSync(join(h.agentBin, 'record'))).toBe(false); // the agent never ran
    expect(fake.sandboxes()).toEqual([]);
    const [last, ...more] = phases(gh);
    expect(more).toEqual([]);
    return { last: last!, creates: creates(reqs).length };
  }

  it('an E2B key the server rejects (401): says to check E2B_API_KEY, without retrying', async () => {
    const { last, creates: n } = await failsAtStart({ apiKey: 'e2b_not_the_right_key' });
    expect(last).toMatch(/❌ Failed in \d+ s: E2B rejected the API key: check E2B_API_KEY$/);
    expect(n).toBe(1);
  });

  it('a template E2B does not have: names it and says how to build it or pick another', async () => {
    const { last } = await failsAtStart({}, 'templates:\n  claude: team-claude-gpu\n');
    expect(last).toMatch(
      /❌ Failed in \d+ s: E2B has no template "team-claude-gpu" that this E2B_API_KEY can use\. Build one with `npm run templates:build -- claude`, or set `templates\.claude` in \.github\/issue-agent\.yml to the name of a template your E2B team has\.$/,
    );
  });

  it('E2B unavailable (500 on every try): says so after the retries', async () => {
    fake.failCreate(500, { times: 3 });
    const { last, creates: n } = await failsAtStart();
    expect(last).toMatch(/❌ Failed in \d+ s: E2B is unavailable \(HTTP 500: Internal server error\)/);
    expect(n).toBe(3);
  });
});

describe('a sandbox that dies while the agent runs', () => {
  it('ends as failed with "the sandbox stopped unexpectedly", promptly, with nothing committed', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const h = await startE2BApp({
      writes: { 'a.txt': 'b\n' },
      lines: claudeLines('never seen').slice(0, 1),
      sleep: 60,
    });
    const gh = happyGitHub();
    await h.probot.receive({
      id: 'delivery-crash',
      name: 'issues',
      payload: labeledPayload('agent', { cloneUrl: remote.url }) as never,
    });

    // The agent has started (it records its cwd first thing): the VM goes away under it.
    await expect
      .poll(() => existsSync(join(h.agentBin, 'record', 'cwd')), { timeout: 10_000, interval: 20 })
      .toBe(true);
    const [sandbox, ...others] = fake.sandboxes();
    expect(others).toEqual([]);
    const crashedAt = Date.now();
    fake.crash(sandbox!.id);
    await h.app.idle();

    // Promptly: far below the 60 s the agent would still sleep (or the job's deadline, were the
    // loss of the sandbox not noticed), with room for a loaded machine.
    expect(Date.now() - crashedAt).toBeLessThan(10_000);
    expect(gh.lines()).not.toContain(`POST ${R}/git/trees`);
    expect(phases(gh)).toEqual([
      '📥 Cloning the repository…',
      '🤖 Running claude…',
      expect.stringMatching(/^❌ Failed in \d+ s: the sandbox stopped unexpectedly$/),
    ]);
    // Failed for good: not left running, not queued for another attempt.
    expect((await h.app.store.stats()).byState).toMatchObject({ queued: 0, running: 0, failed: 1 });
    expect(fake.sandboxes()).toEqual([]);
  });
});
