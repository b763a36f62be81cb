import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { drivers } from '../../src/agents/index.js';
import { mcpHeaderVariable } from '../../src/agents/mcp.js';
import { runAgent } from '../../src/agents/run-agent.js';
import type { AgentEvent, AgentInput, AgentName } from '../../src/agents/types.js';
import { Broker } from '../../src/broker/broker.js';
import { mintCapability } from '../../src/broker/capability.js';
import { parseRepoConfig } from '../../src/config/repo-config.js';
import { openJobStore } from '../../src/jobs/store/open.js';
import type { JobStore } from '../../src/jobs/store/types.js';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import type { Sandbox } from '../../src/sandbox/types.js';
import { agentCliBinDir } from '../agent-clis.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.js';
import { startFakeChat, type FakeChat } from '../fakes/chat-completions-server.js';
import { startFakeMcpServer, type FakeMcpServer } from '../fakes/mcp-server.js';
import {
  startFakeResponses,
  type FakeResponses,
  type ResponsesBody,
  type ResponsesItem,
} from '../fakes/openai-responses-server.js';
import { aJob } from '../helpers/job.js';

/**
 * A remote MCP server of the repository config, reached by the real, pinned CLIs through the
 * app's broker: the fake model calls the server's tool, the CLI makes the call over streamable
 * HTTP with the capability token from the variable its generated config names, and the broker
 * forwards it with the app's secret. The fake MCP server accepts only that secret.
 */

const DOCS_TOKEN = 'docs-mcp-secret-of-the-app-0099';
const KEY = 'sk-issue-agent-test-0123456789abcdef';
const QUERY = { query: 'pager' };

let store: JobStore | undefined;
let broker: Server | undefined;
let mcp: FakeMcpServer | undefined;
let model: FakeAnthropic | FakeResponses | FakeChat | undefined;
let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.kill();
  await model?.close();
  await mcp?.close();
  broker?.closeAllConnections();
  await new Promise((resolve) => (broker ? broker.close(resolve) : resolve(undefined)));
  await store?.close();
  store = broker = mcp = model = sandbox = undefined;
});

/** The app's side: a running job whose config names the fake server, its broker on loopback. */
async function appWithBroker(serverWants = DOCS_TOKEN): Promise<{ url: string; token: string }> {
  mcp = await startFakeMcpServer({ authorization: `Bearer ${serverWants}` });
  const parsed = parseRepoConfig(
    {
      mcp: {
        remote: { docs: { url: mcp.url, headers: { Authorization: { env: 'DOCS_MCP_TOKEN', prefix: 'Bearer ' } } } },
      },
    },
    { allowedEnv: ['DOCS_MCP_TOKEN'], sandboxProvider: 'local' },
  );
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  store = await openJobStore({ dataDir: mkdtempSync(join(tmpdir(), 'issue-agent-mcp-cli-')) });
  const { job } = await store.enqueue({ ...aJob({ config: parsed.config }), createdAt: Date.now() }, 'd-mcp');
  await store.claim('w1', 600_000, { global: 1, perInstallation: 1 });
  const cap = mintCapability(job.id);
  await store.record(job.id, { capabilityHash: cap.hash }, 'w1');
  const handler = new Broker({
    store,
    appEnv: { DOCS_MCP_TOKEN: DOCS_TOKEN, MCP_ALLOWED_ENV: 'DOCS_MCP_TOKEN' },
    mintReadToken: () => Promise.reject(new Error('not in this test')),
    log: pino({ level: 'silent' }),
    endRun: () => false,
  }).handler();
  broker = createServer((req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => broker!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(broker.address() as AddressInfo).port}`, token: cap.token };
}

async function runWithMcp(agent: AgentName, env: Record<string, string>, modelName?: string, serverWants?: string) {
  const app = await appWithBroker(serverWants);
  const s = await new LocalSandboxProvider({ pathPrefix: [agentCliBinDir(agent)] }).create({
    template: agent,
    envs: { CLAUDE_CODE_MAX_RETRIES: '0' },
    metadata: { test: `mcp-${agent}` },
    timeoutMs: 5 * 60_000,
  });
  sandbox = s;
  expect((await s.run('git init -q repo')).exitCode).toBe(0);
  const input: AgentInput = {
    cwd: `${s.home}/repo`,
    promptFile: `${s.home}/prompt.md`,
    stateDir: `${s.home}/.agent-state`,
    ...(modelName && { model: modelName }),
    mcp: [
      {
        name: 'docs',
        url: `${app.url}/broker/mcp/docs`,
        headers: [{ name: 'Authorization', env: mcpHeaderVariable('docs', 0), value: `Bearer ${app.token}` }],
      },
    ],
  };
  await s.writeFile(input.promptFile, 'Search the docs for the pager, then answer.\n');
  const events: AgentEvent[] = [];
  const result = await runAgent(s, drivers[agent]!, input, { env, onEvent: (e) => events.push(e) });
  return { result, events };
}

function expectTheCallReachedTheServer(events: AgentEvent[]): void {
  expect(mcp!.calls).toEqual([{ name: 'search', arguments: QUERY }]);
  // Every request the server saw carried the app's secret, put there by the broker.
  expect(mcp!.requests.length).toBeGreaterThanOrEqual(3);
  for (const r of mcp!.requests) expect(r.headers.authorization).toBe(`Bearer ${DOCS_TOKEN}`);
  expect(events).toContainEqual({ kind: 'tool', name: 'mcp', description: 'called docs.search' });
}

describe('MCP servers with the real CLIs, through the broker', { timeout: 240_000 }, () => {
  it('Claude Code calls the tool of its --mcp-config server', async () => {
    const fake = await startFakeAnthropic({
      apiKey: KEY,
      turns: [[{ type: 'tool_use', name: 'mcp__docs__search', input: QUERY }], 'The docs say: found.'],
    });
    model = fake;
    const { result, events } = await runWithMcp('claude', { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.url });
    expect(result).toMatchObject({ ok: true, summary: 'The docs say: found.' });
    expectTheCallReachedTheServer(events);
    // The tool's answer went back to the model.
    expect(JSON.stringify(fake.conversationRequests().at(-1)?.body)).toContain('found: the docs');
    // The model was offered the server's tool under Claude Code's MCP name.
    expect(JSON.stringify(fake.conversationRequests()[0]?.body)).toContain('mcp__docs__search');
  });

  it('Claude Code goes on without a server that fails, and says which', async () => {
    const fake = await startFakeAnthropic({ apiKey: KEY, turns: ['No docs today.'] });
    model = fake;
    // The server refuses what the broker sends: the CLI cannot connect to it.
    const { result, events } = await runWithMcp(
      'claude',
      { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.url },
      undefined,
      'a-token-the-app-does-not-have',
    );
    expect(result).toMatchObject({ ok: true, summary: 'No docs today.' });
    expect(events.filter((e) => e.kind === 'tool' && e.name === 'mcp')).toEqual([
      {
        kind: 'tool',
        name: 'mcp',
        description: expect.stringMatching(/^MCP server docs is unavailable \(\S+\); continuing without it$/),
      },
    ]);
  });

  it('Codex calls the tool of its [mcp_servers.docs] server', async () => {
    const fake = await startFakeResponses({
      apiKey: KEY,
      turns: [mcpToolCall, 'The docs say: found.'],
    });
    model = fake;
    const { result, events } = await runWithMcp('codex', { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.url }, 'gpt-5');
    expect(result).toMatchObject({ ok: true, summary: 'The docs say: found.' });
    expectTheCallReachedTheServer(events);
    expect(JSON.stringify(fake.conversationRequests().at(-1)?.body)).toContain('found: the docs');
  });

  it('OpenCode calls the tool of its remote mcp server', async () => {
    const fake = await startFakeChat({
      apiKey: KEY,
      turns: [[{ type: 'tool_call', name: 'docs_search', arguments: QUERY }], 'The docs say: found.'],
    });
    model = fake;
    const { result, events } = await runWithMcp(
      'opencode',
      { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.url },
      'fake-coder',
    );
    expect(result).toMatchObject({ ok: true, summary: 'The docs say: found.' });
    expectTheCallReachedTheServer(events);
    expect(JSON.stringify(fake.conversationRequests().at(-1)?.body)).toContain('found: the docs');
  });

  it('OpenClaw calls the tool of its mcp.servers server (through its tool_call catalog)', async () => {
    const fake = await startFakeAnthropic({
      apiKey: KEY,
      turns: [
        [{ type: 'tool_use', name: 'tool_call', input: { id: 'docs__search', args: QUERY } }],
        'The docs say: found.',
      ],
    });
    model = fake;
    const { result, events } = await runWithMcp(
      'openclaw',
      { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.url },
      'claude-fake',
    );
    expect(result).toMatchObject({ ok: true, summary: 'The docs say: found.' });
    expectTheCallReachedTheServer(events);
    expect(JSON.stringify(fake.conversationRequests().at(-1)?.body)).toContain('found: the docs');
  });
});

/** The MCP tool as Codex offers it: a function of the namespace `mcp__<server>`. */
function mcpToolCall(request: ResponsesBody): ResponsesItem[] {
  const namespace = (request.tools ?? []).find((t) => t.type === 'namespace' && t.name === 'mcp__docs');
  const tool = namespace?.tools?.find((t) => t.name === 'search');
  if (!tool) throw new Error(`Codex offered no docs.search tool: ${JSON.stringify(request.tools?.map((t) => t.name))}`);
  return [{ type: 'function_call', namespace: 'mcp__docs', name: 'search', arguments: JSON.stringify(QUERY) }];
}
