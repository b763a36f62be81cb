import { command, quote } from '../sandbox/shell.js';
import { arr, num, obj, parseJsonObject, ranCommand, str, type JsonObject } from './parse-helpers.js';
import { structuredOutputJsonSchema } from './structured.js';
import { mcpServerFailed, mcpToolEvent } from './mcp.js';
import type { AgentDriver, AgentEvent, AgentInput, McpServerSpec } from './types.js';

/**
 * Claude Code (`@anthropic-ai/claude-code`), headless through `claude -p --output-format stream-json`.
 *
 * Facts this rests on (seen with 2.1.332, see docs/agents.md):
 * - In `-p` mode the prompt is read from stdin when no prompt argument is given, so the prompt
 *   file is redirected in and never enters a command line.
 * - stream-json needs `--verbose` in `-p` mode; as root, `--dangerously-skip-permissions` refuses
 *   to run without `IS_SANDBOX=1`.
 * - `CLAUDE_CONFIG_DIR` moves all its state (settings, sessions for `--resume`) out of HOME into
 *   the run's state dir, so one directory holds what a later resume needs.
 * - A 401 ends in a `result` with `subtype: "success"` and `is_error: true`: `is_error` decides.
 *   Other failures (`error_max_turns`, `error_during_execution`) carry `errors: string[]` and no
 *   `result` text.
 * - `total_cost_usd` of a resumed session includes the cost of the runs it continues.
 * - `--json-schema <schema>` gives the model a `StructuredOutput` tool to end with; the result
 *   event then carries the object as `structured_output` (and its JSON as `result`).
 * - `--mcp-config <file>` adds MCP servers (`type: "http"` is streamable HTTP); `${VAR}` in a
 *   header is read from the environment, so the file names variables only. Their tools are
 *   `mcp__<server>__<tool>`, and the init event lists `mcp_servers` with each one's status.
 */

export const claudeDriver: AgentDriver = {
  name: 'claude',
  template: 'claude',
  instructionFiles: ['CLAUDE.md'],
  appendsSystemPromptFile: true,
  structuredOutput: 'schema',
  // Every model it runs is Anthropic's (or a gateway's behind ANTHROPIC_BASE_URL): one key for all.
  requiredEnv: () => [['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN']],
  passEnv: ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL'],
  mcp: true,

  env(input) {
    return {
      IS_SANDBOX: '1',
      // Only the model API: no telemetry, update checks or error reporting from the sandbox.
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CONFIG_DIR: `${input.stateDir}/claude`,
    };
  },

  files: (input) =>
    input.mcp?.length
      ? [{ path: mcpConfigPath(input), content: `${JSON.stringify(claudeMcpConfig(input.mcp), null, 2)}\n` }]
      : [],

  command(input) {
    const words = ['claude', '-p', '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions'];
    if (input.model) words.push('--model', input.model);
    if (input.mcp?.length) words.push('--mcp-config', mcpConfigPath(input));
    if (input.resumeSessionId) words.push('--resume', input.resumeSessionId);
    if (input.structured) words.push('--json-schema', JSON.stringify(structuredOutputJsonSchema()));
    // The repository's instructions: a file, so their text never enters the command line.
    if (input.systemPromptFile) words.push('--append-system-prompt-file', input.systemPromptFile);
    return `${command(...words)} < ${quote(input.promptFile)}`;
  },

  parse: parseClaudeLine,
};

function mcpConfigPath(input: AgentInput): string {
  return `${input.stateDir}/claude-mcp.json`;
}

/** The `--mcp-config` file: each server over streamable HTTP, its headers read from variables. */
export function claudeMcpConfig(servers: readonly McpServerSpec[]): { mcpServers: Record<string, unknown> } {
  const mcpServers: Record<string, unknown> = {};
  for (const s of servers)
    mcpServers[s.name] = {
      type: 'http',
      url: s.url,
      headers: Object.fromEntries(s.headers.map((h) => [h.name, `\${${h.env}}`])),
    };
  return { mcpServers };
}

/** One line of Claude Code's stream-json to common events. */
export function parseClaudeLine(line: string, context?: { cwd: string }): AgentEvent[] {
  const ev = parseJsonObject(line);
  if (!ev) return [];
  switch (str(ev.type)) {
    case 'system': {
      // api_retry lines say nothing final: the result after them decides the run.
      const sessionId = str(ev.session_id);
      const model = str(ev.model);
      if (str(ev.subtype) !== 'init' || !sessionId) return [];
      return [{ kind: 'session', sessionId, ...(model && { model }) }, ...failedMcpServers(ev)];
    }
    case 'assistant':
      return assistantEvents(ev, context?.cwd);
    case 'result':
      return [resultEvent(ev)];
    case 'user':
      // Tool results: for the transcript only.
      return toolOutputs(ev);
    default:
      return [];
  }
}

/** Servers the init event lists as not usable (`failed`, `needs-auth`); connected and pending ones are fine. */
function failedMcpServers(ev: JsonObject): AgentEvent[] {
  return arr(ev.mcp_servers).flatMap((s) => {
    const name = str(obj(s)?.name);
    const status = str(obj(s)?.status);
    return name && status && status !== 'connected' && status !== 'pending' ? [mcpServerFailed(name, status)] : [];
  });
}

function assistantEvents(ev: JsonObject, cwd: string | undefined): AgentEvent[] {
  const message = obj(ev.message);
  const events: AgentEvent[] = [];
  for (const b of arr(message?.content)) {
    const block = obj(b);
    const type = str(block?.type);
    if (type === 'text') {
      const text = str(block?.text);
      // An API failure comes as a synthetic assistant message; it is an error, not an answer.
      if (text)
        events.push(ev.is_api_error_message === true ? { kind: 'error', message: text } : { kind: 'message', text });
    } else if (type === 'tool_use') {
      const name = str(block?.name) ?? 'tool';
      const input = obj(block?.input) ?? {};
      const mcp = /^mcp__(.+?)__(.+)$/.exec(name);
      events.push(
        mcp
          ? mcpToolEvent(mcp[1]!, mcp[2]!)
          : { kind: 'tool', name, description: describeTool(name, input, cwd), input },
      );
    }
  }
  // Each content block of a message comes on its own line with the same usage snapshot (taken at
  // message_start); the result's totals are what the run reports (foldEvents prefers them).
  const usage = tokens(obj(message?.usage));
  if (usage.inputTokens || usage.outputTokens) events.push({ kind: 'usage', ...usage });
  return events;
}

/** The `tool_result` blocks of a user line, as text (a result is a string or a list of text blocks). */
function toolOutputs(ev: JsonObject): AgentEvent[] {
  const events: AgentEvent[] = [];
  for (const b of arr(obj(ev.message)?.content)) {
    const block = obj(b);
    if (str(block?.type) !== 'tool_result') continue;
    const content = block?.content;
    const text =
      typeof content === 'string'
        ? content
        : arr(content)
            .map((c) => str(obj(c)?.text))
            .filter((t): t is string => t !== undefined)
            .join('\n');
    events.push({ kind: 'output', text });
  }
  return events;
}

function resultEvent(ev: JsonObject): AgentEvent {
  const ok = ev.is_error !== true && str(ev.subtype) === 'success';
  const text = str(ev.result) ?? '';
  const errors = arr(ev.errors).filter((e): e is string => typeof e === 'string');
  const result: Extract<AgentEvent, { kind: 'result' }> = {
    kind: 'result',
    ok,
    summary: text,
    sessionId: str(ev.session_id),
    costUsd: num(ev.total_cost_usd),
    turns: num(ev.num_turns),
    ...tokens(obj(ev.usage)),
  };
  if (ev.structured_output !== undefined) result.structuredOutput = ev.structured_output;
  if (!ok) result.error = text || errors.join('\n') || `Claude Code stopped: ${str(ev.subtype) ?? 'unknown error'}`;
  return result;
}

/** Input tokens include cached ones: with prompt caching, `input_tokens` alone is a small remainder. */
function tokens(usage: JsonObject | undefined): { inputTokens?: number; outputTokens?: number } {
  if (!usage) return {};
  const input = num(usage.input_tokens);
  const cached = (num(usage.cache_creation_input_tokens) ?? 0) + (num(usage.cache_read_input_tokens) ?? 0);
  return { inputTokens: input === undefined ? undefined : input + cached, outputTokens: num(usage.output_tokens) };
}

/** A short, human line for a tool call, e.g. "edited src/pager.ts" or "ran `npm test`". */
export function describeTool(name: string, input: JsonObject, cwd?: string): string {
  const path = (key: string) => relative(str(input[key]) ?? '', cwd);
  switch (name) {
    case 'Write':
      return `wrote ${path('file_path')}`;
    case 'Edit':
    case 'MultiEdit':
      return `edited ${path('file_path')}`;
    case 'NotebookEdit':
      return `edited ${path('notebook_path')}`;
    case 'Read':
      return `read ${path('file_path')}`;
    case 'Bash':
      return ranCommand(str(input.command) ?? '');
    case 'Grep':
    case 'Glob':
      return `searched for ${short(str(input.pattern) ?? '')}`;
    case 'WebFetch':
      return `fetched ${short(str(input.url) ?? '')}`;
    case 'WebSearch':
      return `searched the web for ${short(str(input.query) ?? '')}`;
    case 'Task':
    case 'Agent':
      return `started a subagent: ${short(str(input.description) ?? '')}`;
    case 'TodoWrite':
      return 'updated its todo list';
    default:
      return `used ${name}`;
  }
}

/** `path` relative to the repository when it lies inside it; otherwise as given. */
function relative(path: string, cwd: string | undefined): string {
  if (!cwd) return path;
  const root = cwd.replace(/\/+$/, '');
  if (path === root) return '.';
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

function short(s: string, max = 80): string {
  const line = s.trim().split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}
