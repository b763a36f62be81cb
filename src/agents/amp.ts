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
import type { AgentDriver, AgentEvent } from './types.js';

/**
 * Amp (`@sourcegraph/amp`), headless through `amp -x --stream-json`.
 *
 * Facts this rests on (seen with 0.0.1790142911, see docs/agents.md):
 * - `-x` reads the message from stdin when none is given, so the prompt file goes in as stdin.
 * - `--dangerously-allow-all` is accepted though no longer listed in `--help`.
 * - The agent loop runs on Amp's server: there is no model base URL to point at a gateway, and
 *   no model flag; `-m/--mode` (low, medium, high, ultra) picks Amp's model set, so the run's
 *   model setting is passed as the mode.
 * - `--stream-json` is Claude Code's stream format (system/init, assistant, user, result).
 * - A bad key prints only `Error: Invalid or missing API key...` on stderr and exits 1, which
 *   is why `finish` reads stderr.
 */

export const ampDriver: AgentDriver = {
  name: 'amp',
  template: 'amp',
  // No schema flag of its own: the prompt asks for a JSON block in the final message.
  structuredOutput: 'json-block',
  // The model setting is Amp's mode; every mode runs on Amp's server with the one key.
  requiredEnv: () => [['AMP_API_KEY']],
  // AMP_URL points the CLI at another Amp server (self-hosted/enterprise), not at a model API.
  passEnv: ['AMP_API_KEY', 'AMP_URL'],
  // Its CLI can take MCP servers, but that is not wired or tested here yet (docs/mcp.md).
  mcp: false,

  env() {
    return {};
  },

  files() {
    return [];
  },

  command(input) {
    const flags = ['-x', '--stream-json', '--dangerously-allow-all', '--no-notifications', '--no-ide'];
    if (input.model) flags.push('--mode', input.model);
    const amp = input.resumeSessionId
      ? ['amp', 'threads', 'continue', input.resumeSessionId, ...flags]
      : ['amp', ...flags];
    // Amp has no working-directory flag: it works where it starts.
    return `cd ${quote(input.cwd)} && ${command(...amp)} < ${quote(input.promptFile)}`;
  },

  parse: parseAmpLine,

  finish(stdout, exitCode, stderr) {
    const hasResult = stdout.split('\n').some((l) => str(parseJsonObject(l)?.type) === 'result');
    if (hasResult) return [];
    const reason = stderrTail(stderr) || `amp exited with code ${exitCode} without a result`;
    return [{ kind: 'result', ok: false, summary: '', error: reason }];
  },
};

/** One line of `amp -x --stream-json` to common events; paths shown relative to `context.cwd`. */
export function parseAmpLine(line: string, context?: { cwd: string }): AgentEvent[] {
  const ev = parseJsonObject(line);
  if (!ev) return [];
  switch (str(ev.type)) {
    case 'system': {
      const id = str(ev.session_id);
      return str(ev.subtype) === 'init' && id ? [{ kind: 'session', sessionId: id }] : [];
    }
    case 'assistant':
      return assistantEvents(obj(ev.message), context?.cwd);
    case 'result': {
      const isError = ev.is_error === true || (str(ev.subtype) ?? 'success') !== 'success';
      const text = str(ev.result) ?? '';
      const usage = obj(ev.usage);
      return [
        {
          kind: 'result',
          ok: !isError,
          summary: isError ? '' : text,
          sessionId: str(ev.session_id),
          turns: num(ev.num_turns),
          costUsd: num(ev.total_cost_usd),
          inputTokens: num(usage?.input_tokens),
          outputTokens: num(usage?.output_tokens),
          error: isError ? (str(ev.error) ?? (text || `Amp ended with ${str(ev.subtype) ?? 'an error'}`)) : undefined,
        },
      ];
    }
    default:
      return [];
  }
}

function assistantEvents(message: JsonObject | undefined, cwd: string | undefined): AgentEvent[] {
  if (!message) return [];
  const events: AgentEvent[] = [];
  for (const b of arr(message.content)) {
    const block = obj(b);
    if (str(block?.type) === 'text' && str(block?.text)) events.push({ kind: 'message', text: str(block?.text) ?? '' });
    if (str(block?.type) === 'tool_use') {
      const name = str(block?.name) ?? 'tool';
      events.push({ kind: 'tool', name, description: describeAmpTool(name, obj(block?.input) ?? {}, cwd) });
    }
  }
  const usage = obj(message.usage);
  if (usage)
    events.push({ kind: 'usage', inputTokens: num(usage.input_tokens), outputTokens: num(usage.output_tokens) });
  return events;
}

/** Amp's tool names (Bash, Read, Grep, create_file, edit_file, ...) to a short line. */
export function describeAmpTool(name: string, input: JsonObject, cwd?: string): string {
  const file = str(input.path) ?? str(input.file_path) ?? str(input.filePath);
  const path = file === undefined ? undefined : relativePath(file, cwd);
  switch (name) {
    case 'Bash':
      return ranCommand(str(input.cmd) ?? str(input.command) ?? '');
    case 'create_file':
      return `wrote ${path ?? 'a file'}`;
    case 'edit_file':
    case 'undo_edit':
      return `edited ${path ?? 'a file'}`;
    case 'Read':
      return `read ${path ?? 'a file'}`;
    case 'Grep':
    case 'glob':
    case 'finder':
      return `searched for ${str(input.pattern) ?? str(input.filePattern) ?? str(input.query) ?? 'files'}`;
    case 'Task':
      return 'started a subagent';
    default:
      return `used ${name}`;
  }
}
