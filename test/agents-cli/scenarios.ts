import { startFakeAnthropic } from '../fakes/anthropic-server.js';
import { startFakeChat } from '../fakes/chat-completions-server.js';
import type { FakeRequest } from '../fakes/http-fake.js';
import { codexShell, codexWrite, startFakeResponses } from '../fakes/openai-responses-server.js';

/**
 * One scripted conversation per agent CLI, shared by the contract tests and the fixture
 * recorder: the model lists the directory, writes `hello.txt` through the CLI's own file tool,
 * then answers SUMMARY. In '401' mode the fake rejects the key the CLI sends.
 */

export const FILE = { path: 'hello.txt', content: 'hello from the agent\n' };
export const SUMMARY = 'I wrote hello.txt.';
/** The key the CLIs get; the fake accepts it in 'ok' mode only. Not a real key. */
export const TEST_KEY = 'sk-issue-agent-test-0123456789abcdef';

export type Mode = 'ok' | '401';
export type ScenarioAgent = 'codex' | 'opencode' | 'openclaw';

export interface RunningScenario {
  /** App-side env the driver's passEnv picks from (keys and base URLs). */
  env: Record<string, string>;
  model: string | undefined;
  /** Requests the fake received, in order. */
  requests(): FakeRequest[];
  /** Requests that carried a conversation (not title or probe requests). */
  conversation(): FakeRequest[];
  close: () => Promise<void>;
}

/** Starts the fake model server for `agent`; `repoDir` is the absolute path the CLI works in. */
export interface ScenarioOptions {
  /** Codex: a model name instead of its default. */
  model?: string;
  /** OpenCode: reach the model as an Anthropic one through ANTHROPIC_BASE_URL instead of the OpenAI-compatible gateway. */
  anthropic?: boolean;
  /** The model's final answer instead of SUMMARY (e.g. structured output). */
  final?: string;
}

export async function startScenario(
  agent: ScenarioAgent,
  mode: Mode,
  repoDir: string,
  options: ScenarioOptions = {},
): Promise<RunningScenario> {
  const apiKey = mode === 'ok' ? TEST_KEY : 'sk-the-key-the-fake-expects';
  if (agent === 'codex') {
    const fake = await startFakeResponses({
      apiKey,
      turns: [codexShell('ls -a'), codexWrite(FILE.path, FILE.content), options.final ?? SUMMARY],
    });
    return {
      env: { OPENAI_API_KEY: TEST_KEY, OPENAI_BASE_URL: fake.url },
      // Codex's default model gets its full tool surface (apply_patch); a name it does not
      // know (options.model, as behind a gateway) gets only a shell tool.
      model: options.model,
      requests: () => fake.requests,
      conversation: () => fake.conversationRequests(),
      close: () => fake.close(),
    };
  }
  if (agent === 'opencode' && options.anthropic) {
    const fake = await startFakeAnthropic({
      apiKey,
      turns: [
        [{ type: 'tool_use', name: 'write', input: { filePath: `${repoDir}/${FILE.path}`, content: FILE.content } }],
        options.final ?? SUMMARY,
      ],
    });
    return {
      env: { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: fake.url },
      model: 'claude-sonnet-4-6',
      requests: () => fake.requests,
      conversation: () => fake.conversationRequests(),
      close: () => fake.close(),
    };
  }
  if (agent === 'opencode') {
    const fake = await startFakeChat({
      apiKey,
      turns: [
        [{ type: 'tool_call', name: 'bash', arguments: { command: 'ls -a', description: 'List files' } }],
        [
          {
            type: 'tool_call',
            name: 'write',
            arguments: { filePath: `${repoDir}/${FILE.path}`, content: FILE.content },
          },
        ],
        options.final ?? SUMMARY,
      ],
    });
    return {
      env: { OPENAI_API_KEY: TEST_KEY, OPENAI_BASE_URL: fake.url },
      // No "gpt" in the name: OpenCode gives gpt-like models apply_patch instead of write.
      model: 'fake-coder',
      requests: () => fake.requests,
      conversation: () => fake.conversationRequests(),
      close: () => fake.close(),
    };
  }
  const fake = await startFakeAnthropic({
    apiKey,
    turns: [
      [{ type: 'tool_use', name: 'exec', input: { command: 'ls -a' } }],
      [{ type: 'tool_use', name: 'write', input: { path: FILE.path, content: FILE.content } }],
      options.final ?? SUMMARY,
    ],
  });
  return {
    env: { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: fake.url },
    model: 'claude-fake',
    requests: () => fake.requests,
    conversation: () => fake.conversationRequests(),
    close: () => fake.close(),
  };
}

/** Structured output as the agents without a schema flag give it: a fenced JSON block ending the final message. */
export const STRUCTURED = {
  title: 'Add hello.txt',
  summary: 'Wrote hello.txt.',
  testing: 'Read it back.',
  risks: 'None.',
  threads: [],
};
export const FINAL_WITH_JSON_BLOCK = `${SUMMARY}\n\n\`\`\`json\n${JSON.stringify(STRUCTURED, null, 2)}\n\`\`\``;
