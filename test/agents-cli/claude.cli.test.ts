import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeDriver } from '../../src/agents/claude.js';
import { runAgent, type AgentRunOutcome } from '../../src/agents/run-agent.js';
import type { AgentEvent, AgentInput } from '../../src/agents/types.js';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import type { Sandbox } from '../../src/sandbox/types.js';
import { agentCliBinDir } from '../agent-clis.js';
import { requestText, startFakeAnthropic, type FakeAnthropic, type FakeTurn } from '../fakes/anthropic-server.js';

/**
 * The real, pinned Claude Code CLI through runAgent in the local provider, against the fake
 * Anthropic Messages API. A run takes about a second.
 */

const KEY = 'sk-ant-issue-agent-test-0123456789';
const PROMPT = "Create hello.txt saying hello. Untrusted text: $(touch pwned) `id` 'quoted'\n";
const CONTENT = 'hello from claude\n';

let sandbox: Sandbox | undefined;
let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await sandbox?.kill();
  await fake?.close();
  sandbox = fake = undefined;
});

function requireCli(): string {
  const bin = agentCliBinDir('claude');
  if (!existsSync(join(bin, 'claude')))
    throw new Error('the pinned claude CLI is not installed: run node scripts/install-agent-clis.mjs claude');
  return bin;
}

/** A sandbox with an empty git repo; `turns` script the model, which expects KEY. */
async function setUp(turns: (repo: string) => FakeTurn[]): Promise<{ s: Sandbox; f: FakeAnthropic; base: AgentInput }> {
  // Without a retry limit a 401 is retried 10 times over about 2.5 minutes.
  const s = await new LocalSandboxProvider({ pathPrefix: [requireCli()] }).create({
    template: 'claude',
    envs: { CLAUDE_CODE_MAX_RETRIES: '0' },
    metadata: { test: 'claude' },
    timeoutMs: 5 * 60_000,
  });
  sandbox = s;
  const base: AgentInput = {
    cwd: `${s.home}/repo`,
    promptFile: `${s.home}/prompt.md`,
    stateDir: `${s.home}/.agent-state`,
  };
  const init = await s.run('git init -q repo');
  expect(init.exitCode).toBe(0);
  const f = await startFakeAnthropic({ apiKey: KEY, turns: turns(base.cwd) });
  fake = f;
  return { s, f, base };
}

async function run(
  s: Sandbox,
  input: AgentInput,
  env: Record<string, string>,
  prompt = PROMPT,
): Promise<{ result: AgentRunOutcome; events: AgentEvent[] }> {
  await s.writeFile(input.promptFile, prompt);
  const events: AgentEvent[] = [];
  const result = await runAgent(s, claudeDriver, input, { env, onEvent: (e) => events.push(e) });
  return { result, events };
}

const writeTurns = (repo: string): FakeTurn[] => [
  [
    { type: 'text', text: 'Creating the file.' },
    { type: 'tool_use', name: 'Write', input: { file_path: `${repo}/hello.txt`, content: CONTENT } },
  ],
  'I created hello.txt.',
];

describe('claude CLI contract', () => {
  it('writes a file in the repository with its Write tool and reports session, cost and turns', async () => {
    const { s, f, base } = await setUp(writeTurns);
    const { result, events } = await run(
      s,
      { ...base, model: 'claude-sonnet-4-5' },
      { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: f.url, GITHUB_TOKEN: 'ghs_x' },
    );

    expect(result).toMatchObject({
      ok: true,
      exitCode: 0,
      summary: 'I created hello.txt.',
      turns: 2,
      model: 'claude-sonnet-4-5',
    });
    expect(result.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.inputTokens).toBeGreaterThan(0);
    expect(Buffer.from(await s.readFile(`${base.cwd}/hello.txt`)).toString('utf8')).toBe(CONTENT);
    expect(existsSync(join(base.cwd, 'pwned'))).toBe(false);
    expect(events).toContainEqual({
      kind: 'tool',
      name: 'Write',
      description: 'wrote hello.txt',
      input: { file_path: `${base.cwd}/hello.txt`, content: CONTENT },
    });
    // The tool's result comes back on a user line: the transcript's output.
    expect(events.filter((e) => e.kind === 'output')).toHaveLength(1);
    // The init event names the session and the model the CLI runs.
    expect(events[0]).toEqual({ kind: 'session', sessionId: result.sessionId, model: 'claude-sonnet-4-5' });

    const convo = f.conversationRequests();
    expect(convo).toHaveLength(2);
    expect(convo[0]?.headers['x-api-key']).toBe(KEY);
    expect((convo[0]?.body as { model?: string }).model).toBe('claude-sonnet-4-5');
    // The prompt reached the model intact, shell characters and all.
    expect(requestText(convo[0]!)).toContain(PROMPT.trim());
    // Nothing but the model API was called, and its state stayed in the state dir.
    expect(f.requests.every((r) => r.path === '/v1/messages')).toBe(true);
    expect(existsSync(join(s.home, '.claude'))).toBe(false);
    expect(existsSync(join(base.stateDir, 'claude'))).toBe(true);
  });

  it('resumes the session: the second run continues the same conversation', async () => {
    const { s, f, base } = await setUp((repo) => [...writeTurns(repo), 'Bye.']);
    const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: f.url };
    const first = await run(s, base, env);
    const second = await run(s, { ...base, resumeSessionId: first.result.sessionId }, env, 'Now say bye.\n');
    expect(second.result).toMatchObject({ ok: true, summary: 'Bye.', sessionId: first.result.sessionId });
    const last = requestText(f.conversationRequests().at(-1)!);
    expect(last).toContain('Create hello.txt saying hello.');
    expect(last).toContain('Now say bye.');
  });

  it('authenticates with ANTHROPIC_AUTH_TOKEN as a Bearer token', async () => {
    const { s, f, base } = await setUp(() => ['Nothing to do.']);
    const { result } = await run(s, base, { ANTHROPIC_AUTH_TOKEN: KEY, ANTHROPIC_BASE_URL: f.url });
    expect(result).toMatchObject({ ok: true, summary: 'Nothing to do.' });
    expect(f.conversationRequests()[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('ends a 401 from the model API as a failed result carrying the CLI message', async () => {
    const { s, f, base } = await setUp(writeTurns);
    const { result } = await run(s, base, { ANTHROPIC_API_KEY: 'sk-ant-wrong', ANTHROPIC_BASE_URL: f.url });
    expect(result).toMatchObject({ ok: false, exitCode: 1, error: 'Invalid API key · Fix external API key' });
    expect(existsSync(join(base.cwd, 'hello.txt'))).toBe(false);
  });
});

describe('claude CLI structured output (--json-schema)', () => {
  const output = {
    title: 'Add hello.txt',
    summary: 'Created hello.txt.',
    testing: 'Read it back.',
    risks: 'None.',
    threads: [{ id: 'PRRT_1', reply: 'Done in this commit.', changed: true }],
  };

  it('offers the model a StructuredOutput tool with our schema and returns its input as the structured result', async () => {
    const { s, f, base } = await setUp((repo) => [
      ...writeTurns(repo).slice(0, 1),
      [{ type: 'tool_use', name: 'StructuredOutput', input: output }],
    ]);
    const { result } = await run(
      s,
      { ...base, structured: true },
      { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: f.url },
    );
    expect(result).toMatchObject({ ok: true, structured: output, summary: 'Created hello.txt.' });
    expect(result.structuredError).toBeUndefined();
    const tools = (f.conversationRequests()[0]?.body as { tools?: { name: string; input_schema?: unknown }[] }).tools;
    const tool = tools?.find((t) => t.name === 'StructuredOutput');
    expect(tool?.input_schema).toMatchObject({
      required: ['title', 'summary', 'testing', 'risks', 'threads'],
      additionalProperties: false,
    });
  });

  it('a model that never calls the tool: the CLI asks it again itself, then the run has no structured output and its text', async () => {
    const { s, f, base } = await setUp(() => ['I changed nothing.', 'Still nothing to report.']);
    const { result } = await run(
      s,
      { ...base, structured: true },
      { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: f.url },
    );
    expect(result).toMatchObject({ ok: true, summary: 'Still nothing to report.' });
    expect(result.structured).toBeUndefined();
    expect(result.structuredError).toBe('the final message holds no JSON object');
    expect(f.conversationRequests()).toHaveLength(2);
  });
});

describe('claude CLI instruction files', () => {
  it('reads CLAUDE.md itself, not AGENTS.md, and appends the --append-system-prompt-file text to its system prompt', async () => {
    const { s, f, base } = await setUp(() => ['Noted.']);
    await s.writeFile(`${base.cwd}/AGENTS.md`, 'MARKER-FROM-AGENTS-MD\n');
    await s.writeFile(`${base.cwd}/CLAUDE.md`, 'MARKER-FROM-CLAUDE-MD\n');
    const systemPromptFile = `${base.stateDir}/instructions.md`;
    await s.writeFile(systemPromptFile, 'MARKER-FROM-THE-APP $(touch pwned)\n');
    const { result } = await run(
      s,
      { ...base, systemPromptFile },
      { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: f.url },
    );
    expect(result.ok).toBe(true);
    expect(claudeDriver.instructionFiles).toEqual(['CLAUDE.md']);
    const first = f.conversationRequests()[0]!.body as { system?: unknown };
    const system = JSON.stringify(first.system);
    expect(system).toContain('MARKER-FROM-THE-APP $(touch pwned)');
    const all = JSON.stringify(first);
    expect(all).toContain('MARKER-FROM-CLAUDE-MD');
    expect(all).not.toContain('MARKER-FROM-AGENTS-MD');
    expect(existsSync(join(base.cwd, 'pwned'))).toBe(false);
  });
});
