import nock from 'nock';
import { expect } from 'vitest';
import type { Probot } from 'probot';
import { createApp, type IssueAgentApp } from '../../src/app.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnv } from '../../src/config/env.js';
import type { JobStore } from '../../src/jobs/store/types.js';
import { openJobStore } from '../../src/jobs/store/open.js';
import { parseRepoConfig } from '../../src/config/repo-config.js';
import type { Job } from '../../src/domain/job.js';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import type { SandboxProvider } from '../../src/sandbox/types.js';
import { Redactor } from '../../src/security/redactor.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { registerSecrets } from '../../src/security/secrets.js';
import { fakeAgentBin, type FakeAgentScript } from '../helpers/fake-agent.js';
import { accessTokenRoute, githubMock, INSTALLATION_TOKEN, READ_TOKEN, type Handler } from '../helpers/github-mock.js';
import { captureLogger, privateKey, testProbot } from '../helpers/probot.js';
import type { StructuredOutput } from '../../src/agents/structured.js';

export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';
export const API_KEY = 'sk-ant-api03-theAnthropicKeyUnderTest-0000';
export const R = `/repos/${OWNER}/${REPO}`;

/**
 * Stream lines as Claude Code prints them (shape recorded from the real CLI). Asked for structured
 * output (`--json-schema`), as the app always asks, its result carries `structured_output` and that
 * object's JSON as `result`: by default `summary` with itself as the title. `structured: false`
 * prints a result without one (a model that never called its StructuredOutput tool).
 */
export function claudeLines(
  summary: string,
  opts: { isError?: boolean; structured?: Partial<StructuredOutput> | false } = {},
): string[] {
  const structured =
    opts.structured === false
      ? undefined
      : { title: summary, summary, testing: '', risks: '', threads: [], ...opts.structured };
  return [
    JSON.stringify({
      type: 'system',
      subtype: 'init',
      session_id: 'sess-123',
      cwd: '/repo',
      tools: ['Write'],
      model: 'claude-sonnet',
    }),
    JSON.stringify({
      type: 'assistant',
      message: {
        content: [{ type: 'tool_use', id: 't1', name: 'Write', input: { file_path: 'src/pager.ts', content: 'x' } }],
        usage: { input_tokens: 10, output_tokens: 5 },
      },
      session_id: 'sess-123',
    }),
    JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: opts.isError ?? false,
      result: structured && !opts.isError ? JSON.stringify(structured) : summary,
      ...(structured && !opts.isError && { structured_output: structured }),
      session_id: 'sess-123',
      total_cost_usd: 0.0421,
      num_turns: 3,
      duration_ms: 1200,
      usage: { input_tokens: 100, output_tokens: 50 },
    }),
  ];
}

export interface Harness {
  probot: Probot;
  app: IssueAgentApp;
  logLines: string[];
  agentBin: string;
  /** The env agents take their keys from; a test may add to it before the run starts. */
  agentEnv: Record<string, string>;
  metrics: Metrics;
  /** With `broker: true`: where sandboxes reach the broker. */
  brokerUrl?: string;
  /** Stops the broker's server, if any. */
  close(): Promise<void>;
}

/** The app as production wires it, with the local provider, a stand-in agent and a capturing logger. */
export async function startApp(
  script: FakeAgentScript,
  options: {
    provider?: (agentBin: string) => SandboxProvider;
    env?: Record<string, string>;
    appEnv?: Record<string, string>;
    progressIntervalMs?: number;
    /** How long a repository's config stays cached (the app's default unless given). */
    configTtlMs?: number;
    /** The executable the stand-in plays (the agent CLI's name). */
    bin?: string;
    /** Serve the broker on a local port, as main.ts does on the app's server (PUBLIC_URL). */
    broker?: boolean;
    /** Answer triggers once their delivery is in the inbox, as main.ts does. */
    inbox?: boolean;
    /** The job store to use (a new SQLite one by default). */
    store?: JobStore;
  } = {},
): Promise<Harness> {
  const redactor = new Redactor();
  const { log, lines } = captureLogger(redactor);
  const agentBin = fakeAgentBin(options.bin ?? 'claude', script);
  const agentEnv: Record<string, string> = { ANTHROPIC_API_KEY: API_KEY, ...options.env };
  registerSecrets(agentEnv, redactor);
  const env = loadEnv({
    APP_ID: '1',
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: 'test-secret',
    SANDBOX_PROVIDER: 'local',
    ...options.appEnv,
  });
  const provider = options.provider?.(agentBin) ?? new LocalSandboxProvider({ pathPrefix: [agentBin] });
  const store = options.store ?? (await openJobStore({ dataDir: mkdtempSync(join(tmpdir(), 'issue-agent-data-')) }));
  const server = options.broker ? await serveLater() : undefined;
  // Progress edits unthrottled, so every phase shows (the throttle has its own tests).
  const metrics = new Metrics(store);
  const app = createApp({
    metrics,
    brokerUrl: server?.url,
    env,
    store,
    provider,
    agentEnv,
    log,
    redactor,
    pollMs: 50,
    progressIntervalMs: options.progressIntervalMs ?? 0,
    configTtlMs: options.configTtlMs,
    inbox: options.inbox,
  });
  if (server) server.handler = app.brokerHandler;
  const probot = testProbot(log);
  await probot.load(app.appFn);
  return {
    probot,
    app,
    logLines: lines,
    agentBin,
    agentEnv,
    metrics,
    brokerUrl: server?.url,
    close: async () => server?.close(),
  };
}

/** An HTTP server on a free port whose handler (the broker's) is set once the app exists; 404 for the rest. */
export async function serveLater() {
  const state: { handler?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean> } = {};
  const server = createServer((req, res) => {
    void (state.handler?.(req, res) ?? Promise.resolve(false)).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}

/** The GitHub conversation of a successful run: no config file, an admin sender, PR #42. */
export function happyGitHub(overrides: Record<string, Handler> = {}) {
  return githubMock({ ...happyRoutes(), ...overrides });
}

/** The routes of a successful run, for nock or for the real-HTTP fake GitHub. */
export function happyRoutes(): Record<string, (body: unknown, path: string) => [number, unknown]> {
  let comment = 1000;
  return {
    'POST /app/installations/1/access_tokens': accessTokenRoute(),
    [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [404, { message: 'Not Found' }],
    [`GET /repos/${OWNER}/.github/contents/.github%2Fissue-agent.yml`]: () => [404, { message: 'Not Found' }],
    [`GET ${R}/collaborators/Codertocat/permission`]: () => [
      200,
      { permission: 'admin', role_name: 'admin', user: { login: 'Codertocat' } },
    ],
    [`POST ${R}/issues/1/reactions`]: () => [201, { id: 1, content: 'eyes' }],
    [`POST ${R}/issues/comments/492700400/reactions`]: () => [201, { id: 1, content: 'eyes' }],
    [`POST ${R}/issues/1/comments`]: () => [201, { id: ++comment }],
    [`PATCH ${R}/issues/comments/1001`]: () => [200, { id: 1001 }],
    [`POST ${R}/git/blobs`]: () => [201, { sha: 'blob-sha-1' }],
    [`POST ${R}/git/trees`]: () => [201, { sha: 'new-tree-sha' }],
    [`POST ${R}/git/commits`]: () => [201, { sha: 'new-commit-sha' }],
    [`POST ${R}/git/refs`]: () => [201, { ref: 'refs/heads/x', object: { sha: 'new-commit-sha' } }],
    [`POST ${R}/pulls`]: () => [201, { number: 42, html_url: `https://github.com/${OWNER}/${REPO}/pull/42` }],
    [`POST ${R}/pulls/42/requested_reviewers`]: () => [201, {}],
    [`GET ${R}/pulls`]: () => [200, []],
    [`POST ${R}/check-runs`]: () => [201, { id: 77 }],
    [`PATCH ${R}/check-runs/77`]: () => [200, { id: 77 }],
    [`PATCH ${R}/git/refs/heads%2Fagent%2F1-fix-it`]: () => [200, {}],
  };
}

export function resetNock(): void {
  nock.cleanAll();
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
}

/** The status line of a status comment body (below the header), whatever follows it. */
export function statusLine(body: string): string {
  return body.split('\n')[2] ?? '';
}

/** The distinct status lines in order (live progress repeats a phase as actions come in). */
export function phaseLines(bodies: string[]): string[] {
  return bodies.map(statusLine).filter((line, i, all) => line !== all[i - 1]);
}

/** Bodies of the status comment edits, in order. */
export function statusEdits(gh: ReturnType<typeof githubMock>): string[] {
  return gh.bodiesOf('PATCH', `${R}/issues/comments/1001`).map((b) => (b as { body: string }).body);
}

/**
 * Every GitHub call of a run from trigger to PR, sorted (the handler makes some in parallel):
 * what a test compares `[...gh.lines()].sort()` with. `reaction` is where the 👀 goes.
 */
export function callsOfARun(gh: ReturnType<typeof githubMock>, reaction = `POST ${R}/issues/1/reactions`): string[] {
  return [
    'POST /app/installations/1/access_tokens', // the app's installation token
    `GET ${R}/contents/.github%2Fissue-agent.yml`,
    'GET /repos/Codertocat/.github/contents/.github%2Fissue-agent.yml', // org-wide defaults
    `GET ${R}/collaborators/Codertocat/permission`,
    reaction,
    `POST ${R}/issues/1/comments`,
    ...Array<string>(statusEdits(gh).length).fill(`PATCH ${R}/issues/comments/1001`), // phases, live progress, outcome
    'POST /app/installations/1/access_tokens', // the read-only clone token
    `POST ${R}/git/trees`,
    `POST ${R}/git/commits`,
    `POST ${R}/git/refs`,
    `POST ${R}/pulls`,
    `POST ${R}/pulls/42/requested_reviewers`,
    `POST ${R}/check-runs`,
    `PATCH ${R}/check-runs/77`,
  ].sort();
}

/** A job as the handler would have accepted it, for tests that enqueue directly. */
export function makeJob(
  cloneUrl: string,
  overrides: Partial<Omit<Job, 'config'>> & { config?: Record<string, unknown> } = {},
): Job {
  const { config, ...rest } = overrides;
  const parsed = parseRepoConfig(config ?? {});
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return {
    id: 'job-1',
    deliveryId: 'delivery-x',
    installationId: 1,
    repo: { owner: OWNER, name: REPO, defaultBranch: 'master', cloneUrl },
    issue: { number: 1, title: 'Fix it', body: 'Please.', isPullRequest: false },
    trigger: { kind: 'label', sender: { login: 'Codertocat', id: 21031067 }, instructions: '' },
    agent: 'claude',
    statusCommentId: 1001,
    createdAt: Date.now(),
    ...rest,
    config: parsed.config,
  };
}

/** How many jobs the app created (any state): 0 means the trigger started nothing. */
export async function jobsCreated(h: Harness): Promise<number> {
  const { byState } = await h.app.store.stats();
  return Object.values(byState).reduce((a, b) => a + b, 0);
}

/** Enqueues a job as the handler would (without the GitHub side) and wakes the runner. */
export async function enqueue(h: Harness, job: Job): Promise<void> {
  const { created } = await h.app.store.enqueue(job, `test:${job.id}`);
  if (!created) throw new Error('duplicate test job');
  await h.app.store.record(job.id, { statusCommentId: job.statusCommentId });
  h.app.runner.wake();
}

/**
 * What the stand-in agent of the pager scenario was given: the issue as data on stdin, never on
 * its command line; its API key and no GitHub token of any kind.
 */
export function expectPagerAgentInput(h: Harness): void {
  const record = join(h.agentBin, 'record');
  const prompt = readFileSync(join(record, 'stdin'), 'utf8');
  expect(prompt).toContain('Pager skips the last page');
  expect(prompt).toContain('The last page is never shown.');
  expect(readFileSync(join(record, 'argv'), 'utf8')).not.toContain('Pager');
  const agentEnv = readFileSync(join(record, 'env'), 'utf8');
  expect(agentEnv).toContain(`ANTHROPIC_API_KEY=${API_KEY}`);
  expect(agentEnv).not.toContain(READ_TOKEN);
  expect(agentEnv).not.toContain(INSTALLATION_TOKEN);
  expect(agentEnv).toContain('IS_SANDBOX=1');
}

/**
 * What the pager scenario (label on "Pager skips the last page", the agent fixing src/pager.ts
 * and adding docs/pager.md) must send to GitHub to publish: tree, commit, branch, PR, review.
 */
export function expectPagerPullRequest(gh: ReturnType<typeof githubMock>, remote: { tree: string; sha: string }): void {
  expect(gh.bodiesOf('POST', `${R}/git/trees`)).toEqual([
    {
      base_tree: remote.tree,
      tree: [
        { path: 'docs/pager.md', mode: '100644', type: 'blob', content: 'Pages start at 1.\n' },
        { path: 'src/pager.ts', mode: '100644', type: 'blob', content: 'export const last = (n: number) => n - 1;\n' },
      ],
    },
  ]);
  expect(gh.bodiesOf('POST', `${R}/git/commits`)).toEqual([
    {
      message:
        'Pager skips the last page (#1)\n\nMade by claude through issue-agent for #1.\n\nCo-authored-by: Codertocat <21031067+Codertocat@users.noreply.github.com>',
      tree: 'new-tree-sha',
      parents: [remote.sha],
    },
  ]);
  expect(gh.bodiesOf('POST', `${R}/git/refs`)).toEqual([
    { ref: 'refs/heads/agent/1-pager-skips-the-last-page', sha: 'new-commit-sha' },
  ]);
  const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as {
    title: string;
    head: string;
    base: string;
    draft: boolean;
    body: string;
  }[];
  expect(pr).toMatchObject({
    // The agent's structured title, not the issue's.
    title: 'Fixed the off-by-one in the pager.',
    head: 'agent/1-pager-skips-the-last-page',
    base: 'master',
    draft: false,
  });
  expect(pr!.body).toContain('Fixed the off-by-one in the pager.');
  expect(pr!.body).toContain('Closes #1');
  expect(pr!.body).toMatch(/\| Agent \| claude \|/);
  expect(pr!.body).toMatch(/\| Turns \| 3 \|/);
  expect(pr!.body).toMatch(/\| Cost \| \$0\.04 \|/);
  expect(pr!.body).toContain('`src/pager.ts`');
  expect(gh.bodiesOf('POST', `${R}/pulls/42/requested_reviewers`)).toEqual([{ reviewers: ['Codertocat'] }]);
}
