import { command, quote } from '../sandbox/shell.js';
import {
  arr,
  num,
  obj,
  parseJsonObject,
  ranCommand,
  relativePath,
  stderrTail,
  str,
  type JsonObject,
} from './parse-helpers.js';
import { structuredOutputJsonSchema } from './structured.js';
import { mcpToolEvent } from './mcp.js';
import type { AgentDriver, AgentEvent, AgentFile, AgentInput, McpServerSpec } from './types.js';

/**
 * OpenAI Codex CLI (`@openai/codex`), headless through `codex exec --json`.
 *
 * Facts this rests on (seen with 0.169, see docs/agents.md):
 * - `codex exec` waits for "additional input from stdin" unless stdin is closed; we give it the
 *   prompt file as stdin and `-` as the prompt, which also keeps the prompt off the command line.
 * - It ignores OPENAI_BASE_URL. A gateway needs a custom provider in `CODEX_HOME/config.toml`
 *   with `wire_api = "responses"` (Codex speaks only the Responses API); its `env_key` names the
 *   variable holding the key, so the file holds no key.
 * - Its built-in OpenAI provider reads CODEX_API_KEY and ignores OPENAI_API_KEY in `exec`.
 * - `codex exec resume` has no `-C`: the resumed command runs from the repository instead.
 * - `--output-schema <file>` (exec and exec resume) makes the final agent_message the JSON
 *   object itself; Codex sends the schema to the model in strict mode.
 * - `[mcp_servers.<name>]` with `url` is a streamable-HTTP server; `env_http_headers` maps a
 *   header to the variable holding its value, so the file names variables only. A call shows
 *   as an `mcp_tool_call` item with `server` and `tool`.
 */

const CODEX_HOME = 'codex';
/** Name of the generated gateway provider in config.toml. */
const GATEWAY_PROVIDER = 'gateway';

export const codexDriver: AgentDriver = {
  name: 'codex',
  template: 'codex',
  structuredOutput: 'schema',
  // Every model goes to OpenAI or to the gateway of OPENAI_BASE_URL: one key for all.
  requiredEnv: () => [['CODEX_API_KEY', 'OPENAI_API_KEY']],
  passEnv: ['CODEX_API_KEY', 'OPENAI_API_KEY', 'OPENAI_BASE_URL'],
  mcp: true,

  env(input, passed) {
    const env: Record<string, string> = { CODEX_HOME: codexHome(input) };
    // The built-in provider only reads CODEX_API_KEY; a key given as OPENAI_API_KEY still works.
    if (!passed.OPENAI_BASE_URL && !passed.CODEX_API_KEY && passed.OPENAI_API_KEY)
      env.CODEX_API_KEY = passed.OPENAI_API_KEY;
    return env;
  },

  files(input, passed): AgentFile[] {
    const files = [{ path: `${codexHome(input)}/config.toml`, content: codexConfig(passed, input.mcp) }];
    if (input.structured)
      files.push({
        path: outputSchemaPath(input),
        content: `${JSON.stringify(structuredOutputJsonSchema(), null, 2)}\n`,
      });
    return files;
  },

  command(input) {
    // Offline-friendly: no plugin sync, no analytics. Everything else stays Codex's default.
    const flags = [
      '--json',
      '--dangerously-bypass-approvals-and-sandbox',
      '--skip-git-repo-check',
      '--disable',
      'plugins',
      '-c',
      'analytics.enabled=false',
    ];
    if (input.model) flags.push('-m', input.model);
    if (input.structured) flags.push('--output-schema', outputSchemaPath(input));
    if (input.resumeSessionId) {
      return `cd ${quote(input.cwd)} && ${command('codex', 'exec', 'resume', ...flags, input.resumeSessionId, '-')} < ${quote(input.promptFile)}`;
    }
    return `${command('codex', 'exec', ...flags, '-C', input.cwd, '-')} < ${quote(input.promptFile)}`;
  },

  parse: parseCodexLine,

  finish(stdout, exitCode, stderr) {
    // A run that ended in turn.completed/turn.failed has said everything. Otherwise Codex died
    // before or outside a turn (bad config, unknown flag): its reason is on stderr.
    const ended = stdout.split('\n').some((l) => {
      const t = str(parseJsonObject(l)?.type);
      return t === 'turn.completed' || t === 'turn.failed';
    });
    if (ended) return [];
    const reason = stderrTail(stderr) || `codex exited with code ${exitCode} before finishing a turn`;
    return [{ kind: 'result', ok: false, summary: '', error: reason }];
  },
};

function codexHome(input: AgentInput): string {
  return `${input.stateDir}/${CODEX_HOME}`;
}

function outputSchemaPath(input: AgentInput): string {
  return `${codexHome(input)}/output-schema.json`;
}

/** config.toml: a custom provider for a gateway, the MCP servers, and nothing secret. */
export function codexConfig(passed: Record<string, string>, mcp: readonly McpServerSpec[] = []): string {
  const lines = ['# Written by issue-agent for one run. Keys stay in the environment.'];
  const baseUrl = passed.OPENAI_BASE_URL;
  if (baseUrl) {
    const envKey = passed.CODEX_API_KEY ? 'CODEX_API_KEY' : 'OPENAI_API_KEY';
    lines.push(
      `model_provider = ${tomlString(GATEWAY_PROVIDER)}`,
      '',
      `[model_providers.${GATEWAY_PROVIDER}]`,
      `name = ${tomlString('LLM gateway (OPENAI_BASE_URL)')}`,
      `base_url = ${tomlString(baseUrl.replace(/\/+$/, ''))}`,
      `env_key = ${tomlString(envKey)}`,
      `wire_api = ${tomlString('responses')}`,
    );
  }
  for (const server of mcp) {
    const headers = server.headers.map((h) => `${tomlString(h.name)} = ${tomlString(h.env)}`).join(', ');
    lines.push('', `[mcp_servers.${tomlString(server.name)}]`, `url = ${tomlString(server.url)}`);
    if (headers) lines.push(`env_http_headers = { ${headers} }`);
  }
  return `${lines.join('\n')}\n`;
}

/** A TOML basic string; JSON string escaping is a valid subset of it. */
function tomlString(s: string): string {
  return JSON.stringify(s);
}

/** One line of `codex exec --json` to common events; paths shown relative to `context.cwd`. */
export function parseCodexLine(line: string, context?: { cwd: string }): AgentEvent[] {
  const ev = parseJsonObject(line);
  if (!ev) return [];
  switch (str(ev.type)) {
    case 'thread.started': {
      const id = str(ev.thread_id);
      return id ? [{ kind: 'session', sessionId: id }] : [];
    }
    case 'item.completed':
      return itemEvents(obj(ev.item), context?.cwd);
    case 'turn.completed': {
      const usage = obj(ev.usage);
      const inputTokens = num(usage?.input_tokens);
      const outputTokens = num(usage?.output_tokens);
      // The summary is the last agent_message, which foldEvents already holds.
      return [
        { kind: 'usage', inputTokens, outputTokens },
        { kind: 'result', ok: true, summary: '', inputTokens, outputTokens },
      ];
    }
    case 'turn.failed': {
      const message = str(obj(ev.error)?.message) ?? 'the Codex turn failed';
      return [{ kind: 'result', ok: false, summary: '', error: message }];
    }
    case 'error': {
      // Also used for "Reconnecting... n/5" while Codex retries; the turn's end decides the run.
      const message = str(ev.message);
      return message ? [{ kind: 'error', message }] : [];
    }
    default:
      return [];
  }
}

function itemEvents(item: JsonObject | undefined, cwd: string | undefined): AgentEvent[] {
  if (!item) return [];
  switch (str(item.type)) {
    case 'agent_message': {
      const text = str(item.text);
      return text ? [{ kind: 'message', text }] : [];
    }
    case 'command_execution': {
      const cmd = unwrapShell(str(item.command) ?? '');
      const exit = num(item.exit_code);
      const failed = str(item.status) === 'failed' || (exit !== undefined && exit !== 0);
      return [
        { kind: 'tool', name: 'shell', description: `${ranCommand(cmd)}${failed ? ` (exit ${exit ?? '?'})` : ''}` },
      ];
    }
    case 'file_change':
      return arr(item.changes).flatMap((c) => {
        const change = obj(c);
        const path = str(change?.path);
        if (!path) return [];
        const verb = { add: 'created', delete: 'deleted', update: 'edited' }[str(change?.kind) ?? 'update'] ?? 'edited';
        return [{ kind: 'tool' as const, name: 'apply_patch', description: `${verb} ${relativePath(path, cwd)}` }];
      });
    case 'mcp_tool_call':
      return [mcpToolEvent(str(item.server) ?? 'an MCP server', str(item.tool) ?? 'a tool')];
    case 'web_search':
      return [{ kind: 'tool', name: 'web_search', description: `searched the web for "${str(item.query) ?? ''}"` }];
    case 'error': {
      const message = str(item.message);
      return message ? [{ kind: 'error', message }] : [];
    }
    default:
      // reasoning, todo_list: not worth a status line.
      return [];
  }
}

/** Codex reports commands as `/bin/bash -lc '<cmd>'`: the status line wants `<cmd>`. */
export function unwrapShell(cmd: string): string {
  const m = /^(?:\S*\/)?(?:ba|z)?sh -l?c (.*)$/s.exec(cmd.trim());
  if (!m?.[1]) return cmd;
  const arg = m[1];
  if (arg.startsWith("'") && arg.endsWith("'") && arg.length >= 2) return arg.slice(1, -1).replace(/'\\''/g, "'");
  if (arg.startsWith('"') && arg.endsWith('"') && arg.length >= 2)
    return arg.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  return arg;
}
