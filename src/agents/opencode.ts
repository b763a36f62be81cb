import { command, quote } from '../sandbox/shell.js';
import {
  num,
  obj,
  parseJsonObject,
  ranCommand,
  relativePath,
  stderrTail,
  str,
  type JsonObject,
} from './parse-helpers.js';
import { mcpToolEvent, splitMcpTool } from './mcp.js';
import type { AgentDriver, AgentEnv, AgentEvent, AgentInput, McpServerSpec, ParseContext } from './types.js';

/**
 * OpenCode (`opencode-ai`), headless through `opencode run --format json`.
 *
 * Facts this rests on (seen with 1.18.33, see docs/agents.md):
 * - `run` appends piped stdin to the message, so the prompt file goes in as stdin.
 * - `--auto` approves permission prompts; without it a headless run can stop on one.
 * - Providers and base URLs come from inline JSON config in OPENCODE_CONFIG_CONTENT, where
 *   `{env:NAME}` reads a variable: the config names the key variable, never its value.
 * - There is no final result event: the run ends with a `step_finish` whose reason is `stop`,
 *   so the result is folded in `finish` from the whole output.
 * - Model ids with "gpt" in them get an `apply_patch` file tool instead of `write`/`edit`.
 * - `mcp.<name>` entries of `type: "remote"` are streamable-HTTP servers; `{env:NAME}` in a
 *   header reads a variable. Their tools are named `<server>_<tool>`.
 */

/** Provider id of the OpenAI-compatible gateway generated from OPENAI_BASE_URL. */
export const OPENCODE_GATEWAY = 'gateway';

export const opencodeDriver: AgentDriver = {
  name: 'opencode',
  template: 'opencode',
  // No schema flag of its own: the prompt asks for a JSON block in the final message.
  structuredOutput: 'json-block',
  requiredEnv: opencodeRequiredEnv,
  routedModel: (model, env) =>
    resolveModel(model, Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => !!e[1]))),
  passEnv: ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_BASE_URL', 'OPENAI_BASE_URL'],
  mcp: true,

  env(input, passed) {
    return {
      OPENCODE_CONFIG_CONTENT: JSON.stringify(opencodeConfig(input, passed)),
      // Headless and pinned: no self-update, no share links, the model catalog bundled with
      // this version instead of a download from models.dev at start.
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_SHARE: '1',
      OPENCODE_DISABLE_MODELS_FETCH: '1',
    };
  },

  files() {
    return [];
  },

  command(input) {
    const args = ['opencode', 'run', '--format', 'json', '--auto', '--dir', input.cwd];
    if (input.resumeSessionId) args.push('--session', input.resumeSessionId);
    // The model is in the generated config (it depends on which provider keys are set).
    return `${command(...args)} < ${quote(input.promptFile)}`;
  },

  parse: parseOpencodeLine,
  finish: finishOpencode,
};

interface OpencodeConfig {
  $schema: string;
  model?: string;
  share: 'disabled';
  autoupdate: false;
  provider?: Record<string, JsonObject>;
  mcp?: Record<string, JsonObject>;
}

/** The inline config: providers for the base URLs that are set, the run's model and its MCP servers. */
export function opencodeConfig(
  input: Pick<AgentInput, 'model' | 'mcp'>,
  passed: Record<string, string>,
): OpencodeConfig {
  const config: OpencodeConfig = { $schema: 'https://opencode.ai/config.json', share: 'disabled', autoupdate: false };
  const provider: Record<string, JsonObject> = {};
  const model = resolveModel(input.model, passed);
  if (passed.ANTHROPIC_BASE_URL) {
    // ANTHROPIC_BASE_URL is the API root without /v1 (as Claude Code reads it); the AI SDK wants /v1.
    provider.anthropic = { options: { baseURL: `${trimSlash(passed.ANTHROPIC_BASE_URL)}/v1` } };
  }
  if (passed.OPENAI_BASE_URL) {
    const baseURL = trimSlash(passed.OPENAI_BASE_URL);
    const models: Record<string, JsonObject> = {};
    if (model?.startsWith(`${OPENCODE_GATEWAY}/`)) {
      const id = model.slice(OPENCODE_GATEWAY.length + 1);
      models[id] = { name: id };
    }
    provider[OPENCODE_GATEWAY] = {
      npm: '@ai-sdk/openai-compatible',
      name: 'LLM gateway (OPENAI_BASE_URL)',
      options: { baseURL, apiKey: '{env:OPENAI_API_KEY}' },
      models,
    };
    // OpenCode's own openai provider goes through the gateway too, so no model bypasses it.
    provider.openai = { options: { baseURL } };
  }
  if (Object.keys(provider).length) config.provider = provider;
  if (model) config.model = model;
  if (input.mcp?.length) config.mcp = opencodeMcp(input.mcp);
  return config;
}

function opencodeMcp(servers: readonly McpServerSpec[]): Record<string, JsonObject> {
  return Object.fromEntries(
    servers.map((s) => [
      s.name,
      {
        type: 'remote',
        url: s.url,
        enabled: true,
        headers: Object.fromEntries(s.headers.map((h) => [h.name, `{env:${h.env}}`])),
      },
    ]),
  );
}

/**
 * `provider/model` for OpenCode. A bare model name goes to the gateway when OPENAI_BASE_URL is
 * set, else to the provider its name suggests, else to the provider whose key is set.
 * No model: OpenCode picks its default among the providers that have a key.
 */
export function resolveModel(model: string | undefined, passed: Record<string, string>): string | undefined {
  if (!model) return undefined;
  if (model.includes('/')) return model;
  if (passed.OPENAI_BASE_URL && passed.OPENAI_API_KEY) return `${OPENCODE_GATEWAY}/${model}`;
  const byName = providerByName(model);
  if (byName) return `${byName}/${model}`;
  return `${passed.ANTHROPIC_API_KEY ? 'anthropic' : 'openai'}/${model}`;
}

/** The provider a bare model name belongs to by its name (`claude-*`, `gpt-*`, `o3`, ...), if any. */
function providerByName(model: string): 'anthropic' | 'openai' | undefined {
  if (/^claude/i.test(model)) return 'anthropic';
  if (/^(gpt|o\d|codex)/i.test(model)) return 'openai';
  return undefined;
}

const PROVIDER_KEY = { anthropic: 'ANTHROPIC_API_KEY', openai: 'OPENAI_API_KEY' } as const;

/**
 * The key the model's provider needs, following `resolveModel`: `anthropic/...` and `claude*`
 * need ANTHROPIC_API_KEY; `openai/...` and `gpt*`/`o<digit>*`/`codex*` need OPENAI_API_KEY;
 * `gateway/...` needs OPENAI_API_KEY and OPENAI_BASE_URL. A bare name may also reach the gateway
 * (OPENAI_API_KEY) when OPENAI_BASE_URL is set. No model, or a name that suggests no provider:
 * either key, as OpenCode then uses the provider that has one. Another provider's key never
 * enters the sandbox; such a model is left to OpenCode (either key, as before).
 */
export function opencodeRequiredEnv(model: string | undefined, env: AgentEnv): string[][] {
  const either = ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY'];
  if (!model) return [either];
  const slash = model.indexOf('/');
  if (slash >= 0) {
    const provider = model.slice(0, slash);
    if (provider === OPENCODE_GATEWAY) return [['OPENAI_API_KEY'], ['OPENAI_BASE_URL']];
    if (provider === 'anthropic' || provider === 'openai') return [[PROVIDER_KEY[provider]]];
    return [either];
  }
  const byName = providerByName(model);
  const keys = byName ? [PROVIDER_KEY[byName]] : either;
  return [env.OPENAI_BASE_URL && !keys.includes('OPENAI_API_KEY') ? [...keys, 'OPENAI_API_KEY'] : keys];
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * One line of `opencode run --format json` to common events (the result comes from finish);
 * paths shown relative to `context.cwd`.
 */
export function parseOpencodeLine(line: string, context?: ParseContext): AgentEvent[] {
  const ev = parseJsonObject(line);
  if (!ev) return [];
  const part = obj(ev.part);
  switch (str(ev.type)) {
    case 'step_start': {
      const id = str(ev.sessionID);
      return id ? [{ kind: 'session', sessionId: id }] : [];
    }
    case 'text': {
      const text = str(part?.text);
      return text ? [{ kind: 'message', text }] : [];
    }
    case 'tool_use':
      return part ? [toolEvent(part, context)] : [];
    case 'step_finish': {
      const tokens = obj(part?.tokens);
      return [
        { kind: 'usage', inputTokens: num(tokens?.input), outputTokens: num(tokens?.output), costUsd: num(part?.cost) },
      ];
    }
    case 'error':
      return [{ kind: 'error', message: errorMessage(ev) }];
    default:
      return [];
  }
}

function toolEvent(part: JsonObject, context: ParseContext | undefined): AgentEvent {
  const tool = str(part.tool) ?? 'tool';
  const state = obj(part.state);
  const input = obj(state?.input) ?? {};
  const failed = str(state?.status) === 'error';
  const mcp = splitMcpTool(tool, context?.mcpServers ?? [], '_');
  const event = mcp
    ? mcpToolEvent(mcp.server, mcp.tool)
    : { kind: 'tool' as const, name: tool, description: describeTool(tool, input, context?.cwd) };
  return failed && event.kind === 'tool' ? { ...event, description: `${event.description} (failed)` } : event;
}

function describeTool(tool: string, input: JsonObject, cwd: string | undefined): string {
  const file = str(input.filePath) ?? str(input.path);
  const path = file === undefined ? undefined : relativePath(file, cwd);
  switch (tool) {
    case 'write':
      return `wrote ${path ?? 'a file'}`;
    case 'edit':
      return `edited ${path ?? 'a file'}`;
    case 'read':
      return `read ${path ?? 'a file'}`;
    case 'bash':
      return ranCommand(str(input.command) ?? '');
    case 'apply_patch': {
      const files = [...(str(input.patchText) ?? '').matchAll(/^\*\*\* (?:Add|Update|Delete) File: (.+)$/gm)].map(
        (m) => m[1],
      );
      return files.length ? `patched ${files.join(', ')}` : 'applied a patch';
    }
    case 'glob':
    case 'grep':
      return `searched for ${str(input.pattern) ?? 'files'}`;
    case 'webfetch':
      return `fetched ${str(input.url) ?? 'a web page'}`;
    case 'todowrite':
      return 'updated its todo list';
    case 'task':
      return `started a subtask: ${str(input.description) ?? ''}`.trim();
    case 'invalid':
      return `called a tool that does not exist (${str(input.tool) ?? '?'})`;
    default:
      return `used ${tool}`;
  }
}

function errorMessage(ev: JsonObject): string {
  const error = obj(ev.error);
  const data = obj(error?.data);
  const message = str(data?.message) ?? str(error?.message) ?? str(error?.name) ?? 'OpenCode reported an error';
  const status = num(data?.statusCode);
  return status !== undefined && !message.includes(String(status)) ? `${message} (HTTP ${status})` : message;
}

/**
 * The result of the whole run: the text parts of the last step are the summary when it
 * stopped normally; tokens and cost are the sums over steps; each step is a model turn.
 */
export function finishOpencode(stdout: string, exitCode: number, stderr: string): AgentEvent[] {
  let sessionId: string | undefined;
  let stepTexts: string[] = [];
  let finalTexts: string[] | undefined;
  let stopped = false;
  let error: string | undefined;
  let turns = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let costUsd: number | undefined;
  for (const line of stdout.split('\n')) {
    const ev = parseJsonObject(line);
    if (!ev) continue;
    const part = obj(ev.part);
    sessionId = str(ev.sessionID) ?? sessionId;
    switch (str(ev.type)) {
      case 'step_start':
        stepTexts = [];
        break;
      case 'text':
        if (str(part?.text)) stepTexts.push(str(part?.text) ?? '');
        break;
      case 'step_finish': {
        turns += 1;
        const tokens = obj(part?.tokens);
        inputTokens += num(tokens?.input) ?? 0;
        outputTokens += num(tokens?.output) ?? 0;
        const cost = num(part?.cost);
        if (cost !== undefined) costUsd = (costUsd ?? 0) + cost;
        stopped = str(part?.reason) === 'stop';
        if (stepTexts.length) finalTexts = stepTexts;
        break;
      }
      case 'error':
        error = errorMessage(ev);
        break;
    }
  }
  const summary = (finalTexts ?? []).join('\n\n').trim();
  const ok = exitCode === 0 && error === undefined && stopped;
  const failure = ok
    ? undefined
    : (error ??
      (exitCode !== 0
        ? stderrTail(stderr) || `opencode exited with code ${exitCode}`
        : 'OpenCode ended without a final answer'));
  return [
    {
      kind: 'result',
      ok,
      summary,
      sessionId,
      turns: turns || undefined,
      inputTokens: turns ? inputTokens : undefined,
      outputTokens: turns ? outputTokens : undefined,
      costUsd,
      error: failure,
    },
  ];
}
