import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { drivers } from '../../src/agents/index.js';
import type { AgentRunResult } from '../../src/agents/run-result.js';
import { runAgent } from '../../src/agents/run-agent.js';
import type { AgentEvent, AgentInput } from '../../src/agents/types.js';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import type { Sandbox } from '../../src/sandbox/types.js';
import { agentCliBinDir } from '../agent-clis.js';
import { startFakeAnthropic } from '../fakes/anthropic-server.js';
import type { AgentName } from '../../src/agents/types.js';
import {
  FILE,
  startScenario,
  STRUCTURED,
  SUMMARY,
  TEST_KEY,
  type Mode,
  type RunningScenario,
  type ScenarioAgent,
  type ScenarioOptions,
} from './scenarios.js';

/**
 * One local sandbox with a git repository, in which the real, pinned CLI of an agent runs
 * through runAgent (the pipeline's own path) against its fake model server.
 */
export interface CliRun {
  result: AgentRunResult;
  events: AgentEvent[];
  /** hello.txt in the repository after the run, if it exists. */
  file: string | undefined;
  input: AgentInput;
}

export interface CliWorkspace {
  sandbox: Sandbox;
  scenario: RunningScenario;
  run(prompt: string, extra?: Partial<AgentInput>): Promise<CliRun>;
  /** Every file the driver generated, as written in the sandbox. */
  generatedFiles(): Promise<string[]>;
  close(): Promise<void>;
}

/** Fails with the install command when the pinned CLI is missing, rather than skipping quietly. */
export function requireCli(agent: ScenarioAgent): string {
  const bin = agentCliBinDir(agent);
  if (!existsSync(join(bin, agent))) {
    throw new Error(`the pinned ${agent} CLI is not installed: run node scripts/install-agent-clis.mjs ${agent}`);
  }
  return bin;
}

export async function openWorkspace(
  agent: ScenarioAgent,
  mode: Mode,
  options: ScenarioOptions = {},
): Promise<CliWorkspace> {
  const sandbox = await new LocalSandboxProvider({ pathPrefix: [requireCli(agent)] }).create({
    template: agent,
    metadata: { test: agent },
    timeoutMs: 10 * 60_000,
  });
  const base: AgentInput = {
    cwd: `${sandbox.home}/repo`,
    promptFile: `${sandbox.home}/prompt.md`,
    stateDir: `${sandbox.home}/.agent-state`,
  };
  const init = await sandbox.run('git init -q repo');
  if (init.exitCode !== 0) throw new Error(`git init failed: ${init.stderr}`);
  const scenario = await startScenario(agent, mode, base.cwd, options);
  const driver = drivers[agent];
  if (!driver) throw new Error(`no driver for ${agent} in src/agents/index.ts`);
  const inputs: AgentInput[] = [];
  return {
    sandbox,
    scenario,
    async run(prompt, extra = {}) {
      const input: AgentInput = { ...base, model: scenario.model, ...extra };
      inputs.push(input);
      await sandbox.writeFile(input.promptFile, prompt);
      const events: AgentEvent[] = [];
      const result = await runAgent(sandbox, driver, input, { env: scenario.env, onEvent: (e) => events.push(e) });
      const file = await sandbox
        .readFile(`${input.cwd}/${FILE.path}`)
        .then((b) => Buffer.from(b).toString('utf8'))
        .catch(() => undefined);
      return { result, events, file, input };
    },
    async generatedFiles() {
      const out: string[] = [];
      for (const input of inputs) {
        for (const f of driver.files(input, scenario.env))
          out.push(Buffer.from(await sandbox.readFile(f.path)).toString('utf8'));
      }
      return out;
    },
    async close() {
      await scenario.close();
      await sandbox.kill();
    },
  };
}

/** The prompt of the contract tests: list the files, then write FILE. */
export const PROMPT = 'List the files, then create hello.txt saying hello.\n';

/** For a test file: opens the running test's workspace, which is closed after the test. */
export function workspacePerTest(): typeof openWorkspace {
  let ws: CliWorkspace | undefined;
  afterEach(async () => {
    await ws?.close();
    ws = undefined;
  });
  return async (agent, mode, options) => (ws = await openWorkspace(agent, mode, options));
}

/** The resume contract: the second run sends the first conversation and keeps the session id. */
export async function expectSessionResumed(ws: CliWorkspace): Promise<void> {
  const first = await ws.run(PROMPT);
  const second = await ws.run('Now say bye.\n', { resumeSessionId: first.result.sessionId });
  expect(second.result.ok).toBe(true);
  expect(second.result.sessionId).toBe(first.result.sessionId);
  const last = JSON.stringify(ws.scenario.conversation().at(-1)?.body);
  expect(last).toContain('List the files, then create hello.txt');
  expect(last).toContain('Now say bye.');
}

/** The instruction files a test repository holds, each with a marker the model request shows when the CLI read it. */
const INSTRUCTION_MARKERS: Record<string, string> = {
  'AGENTS.md': 'MARKER-FROM-AGENTS-MD',
  'CLAUDE.md': 'MARKER-FROM-CLAUDE-MD',
  '.github/copilot-instructions.md': 'MARKER-FROM-COPILOT-INSTRUCTIONS',
};

/**
 * The driver's `instructionFiles` contract: with `files` in the repository, the CLI's first model
 * request carries the first of them the driver says it reads, and none of the others.
 */
export async function expectReadsInstructions(ws: CliWorkspace, agent: ScenarioAgent, files: string[]): Promise<void> {
  const repo = `${ws.sandbox.home}/repo`;
  for (const f of files) await ws.sandbox.writeFile(`${repo}/${f}`, `${INSTRUCTION_MARKERS[f]}\n`);
  await ws.run(PROMPT);
  const first = JSON.stringify(ws.scenario.conversation()[0]?.body);
  const seen = files.filter((f) => first.includes(INSTRUCTION_MARKERS[f]!));
  const reads = drivers[agent]!.instructionFiles.find((f) => files.includes(f));
  expect(seen).toEqual(reads ? [reads] : []);
}

export interface Fake {
  env: Record<string, string>;
  model?: string;
  close(): Promise<void>;
}

/**
 * Starts the fake model for `agent`, scripted to write FILE into `repoDir` (Claude's with
 * `content`), for the flow tests that run a real CLI through the app and its broker.
 */
export async function startFlowFake(agent: AgentName, repoDir: string, content: string = FILE.content): Promise<Fake> {
  if (agent === 'claude') {
    const fake = await startFakeAnthropic({
      apiKey: TEST_KEY,
      turns: [
        [{ type: 'tool_use', name: 'Write', input: { file_path: `${repoDir}/${FILE.path}`, content } }],
        // Asked with --json-schema, the model ends by calling the CLI's StructuredOutput tool.
        [{ type: 'tool_use', name: 'StructuredOutput', input: { ...STRUCTURED, summary: SUMMARY } }],
      ],
    });
    return {
      env: { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: fake.url, CLAUDE_CODE_MAX_RETRIES: '0' },
      close: () => fake.close(),
    };
  }
  return startScenario(agent as ScenarioAgent, 'ok', repoDir);
}
