import { command, quote } from '../sandbox/shell.js';
import { arr, num, obj, parseJsonObject, stderrTail, str, type JsonObject } from './parse-helpers.js';
import { mcpToolEvent } from './mcp.js';
import type { AgentDriver, AgentEvent, AgentInput } from './types.js';

/**
 * OpenClaw (`openclaw`), headless through `openclaw agent exec --json`.
 *
 * Facts this rests on (seen with 2026.9.6, see docs/agents.md):
 * - It needs Node >= 24.16 (the template/installer puts Node 26 first on PATH).
 * - `agent exec` runs one turn in `--cwd` and prints ONE pretty-printed JSON document, so the
 *   result is parsed in `finish`, not per line. `--message-file` keeps the prompt off argv.
 * - `agent exec` deletes its state unless `--state-dir` names an existing directory; with it,
 *   `openclaw agent --local --session-id <id>` continues that session later (resume). That
 *   command has no `--cwd`: the workspace comes from the config, which therefore also carries
 *   the settings `agent exec` would otherwise apply (no bootstrap files, no sandbox, coding tools).
 * - Its own deadline defaults to 600 s; the job's timeout is ours to enforce, so we lift it.
 * - A gateway is a provider override in the config (`api: "anthropic-messages"`, `baseUrl`),
 *   whose `apiKey` is `${ANTHROPIC_API_KEY}`: OpenClaw substitutes the variable, the file
 *   holds no key.
 * - A 401 puts the key in a cool-down kept in the state dir: a fresh state dir per run avoids
 *   a later run failing with "temporarily disabled".
 * - `mcp.servers.<name>` with `url` and `transport: "streamable-http"` adds an MCP server;
 *   `${VAR}` in a header is read from the environment. Its tools are not offered to the model
 *   directly but through `tool_search`/`tool_call` as `<server>__<tool>`, which is also how
 *   `toolSummary` names them.
 * - Only its Anthropic path (Anthropic Messages, `anthropic/...` models) was run and recorded,
 *   so only the Anthropic key and base URL enter its sandbox, and a model of another provider
 *   (`openai/...`) is refused when triggered rather than failing to authenticate in the sandbox.
 */

/**
 * OpenClaw's own default model is an OpenAI one (openai/gpt-6-astra in 2026.9.6), which fails
 * with only ANTHROPIC_API_KEY ("No route-compatible authentication source is configured for
 * openai"): without a configured model we name an Anthropic one from its catalog.
 */
export const OPENCLAW_DEFAULT_MODEL = 'anthropic/claude-sonnet-4-6';

/** Our deadline is the job's timeout (enforced from outside); this only has to be longer. */
const NO_DEADLINE_SECONDS = String(24 * 60 * 60);

export const openclawDriver: AgentDriver = {
  name: 'openclaw',
  template: 'openclaw',
  // No schema flag of its own: the prompt asks for a JSON block in the final message.
  structuredOutput: 'json-block',
  // Every model it may run is an Anthropic one (see unsupportedModel).
  requiredEnv: () => [['ANTHROPIC_API_KEY']],
  unsupportedModel: openclawUnsupportedModel,
  passEnv: ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL'],
  mcp: true,

  env(input) {
    return {
      OPENCLAW_STATE_DIR: stateDir(input),
      OPENCLAW_CONFIG_PATH: configPath(input),
      // Its stderr log is colourised; plain text reads better in our error messages.
      NO_COLOR: '1',
    };
  },

  files(input, passed) {
    return [
      { path: configPath(input), content: `${JSON.stringify(openclawConfig(input, passed), null, 2)}\n` },
      // `--state-dir` must exist; `agent exec` neither creates nor deletes it.
      {
        path: `${stateDir(input)}/README`,
        content: 'OpenClaw state for one issue-agent run (sessions, for resume).\n',
      },
    ];
  },

  command(input) {
    const common = [
      '--message-file',
      input.promptFile,
      '--json',
      '--timeout',
      NO_DEADLINE_SECONDS,
      '--model',
      modelRef(input.model),
    ];
    if (input.resumeSessionId) {
      return `cd ${quote(input.cwd)} && ${command('openclaw', 'agent', '--local', '--session-id', input.resumeSessionId, ...common)}`;
    }
    return command(
      'openclaw',
      'agent',
      'exec',
      '--cwd',
      input.cwd,
      '--config',
      configPath(input),
      '--state-dir',
      stateDir(input),
      ...common,
    );
  },

  // The output is one multi-line JSON document: nothing to say per line.
  parse: () => [],
  finish: finishOpenclaw,
};

function stateDir(input: AgentInput): string {
  return `${input.stateDir}/openclaw/state`;
}

function configPath(input: AgentInput): string {
  return `${input.stateDir}/openclaw/openclaw.json`;
}

/** `provider/model`; a bare model name is an Anthropic one (the key this driver needs). */
export function modelRef(model: string | undefined): string {
  if (!model) return OPENCLAW_DEFAULT_MODEL;
  return model.includes('/') ? model : `anthropic/${model}`;
}

/** The provider of a model as OpenClaw will be given it (`anthropic` for a bare name). */
function modelProvider(model: string | undefined): string {
  const ref = modelRef(model);
  return ref.slice(0, ref.indexOf('/'));
}

/**
 * A model of a provider other than Anthropic cannot authenticate: only ANTHROPIC_API_KEY and
 * ANTHROPIC_BASE_URL enter the sandbox. Said when triggered, instead of failing in the sandbox.
 */
export function openclawUnsupportedModel(model: string): string | undefined {
  const provider = modelProvider(model);
  if (provider === 'anthropic') return undefined;
  return (
    `OpenClaw runs only Anthropic models here (\`anthropic/<model>\` or a bare model name), as only \`ANTHROPIC_API_KEY\` and \`ANTHROPIC_BASE_URL\` enter its sandbox: ` +
    `a model of the \`${provider}\` provider could not authenticate. Choose an Anthropic model, or another agent (\`codex\`, \`opencode\`) for OpenAI models.`
  );
}

/** The run's config: what `agent exec` applies, pinned for resume too, and a gateway provider. */
export function openclawConfig(
  input: Pick<AgentInput, 'cwd' | 'model' | 'mcp'>,
  passed: Record<string, string>,
): JsonObject {
  const config: JsonObject = {
    agents: { defaults: { workspace: input.cwd, skipBootstrap: true, sandbox: { mode: 'off' } } },
    env: { shellEnv: { enabled: false } },
    tools: { profile: 'coding', fs: { workspaceOnly: true }, exec: { mode: 'full' } },
    skills: { load: { watch: false } },
  };
  if (passed.ANTHROPIC_BASE_URL) {
    const ref = modelRef(input.model);
    const models = ref.startsWith('anthropic/') ? [{ id: ref.slice('anthropic/'.length) }] : [];
    config.models = {
      mode: 'merge',
      providers: {
        anthropic: {
          baseUrl: passed.ANTHROPIC_BASE_URL.replace(/\/+$/, ''),
          // OpenClaw substitutes ${VAR} from the environment: the name, never the value.
          apiKey: '${ANTHROPIC_API_KEY}',
          api: 'anthropic-messages',
          models: models.map((m) => ({ ...m, name: m.id })),
        },
      },
    };
  }
  if (input.mcp?.length)
    config.mcp = {
      servers: Object.fromEntries(
        input.mcp.map((s) => [
          s.name,
          {
            url: s.url,
            transport: 'streamable-http',
            headers: Object.fromEntries(s.headers.map((h) => [h.name, `\${${h.env}}`])),
          },
        ]),
      ),
    };
  return config;
}

/**
 * The JSON document of `agent exec --json` ({ok, status, final, usage, costUsd, assistantTurns,
 * toolSummary, sessionId, error}) or of `agent --local --json` ({payloads, meta: {agentMeta,
 * aborted, error}}, or {ok: false, error} when the command itself failed).
 */
export function finishOpenclaw(
  stdout: string,
  exitCode: number,
  stderr: string,
  output?: { truncated: boolean },
): AgentEvent[] {
  const doc = parseDocument(stdout);
  if (!doc) {
    const reason = output?.truncated
      ? 'OpenClaw printed more than 16 MB; its result document (the end of its output) could not be read'
      : stderrTail(stderr) || `openclaw exited with code ${exitCode} without a result`;
    return [{ kind: 'result', ok: false, summary: '', error: reason }];
  }
  const meta = obj(doc.meta);
  const agentMeta = obj(meta?.agentMeta);
  const sessionId = str(doc.sessionId) ?? str(agentMeta?.sessionId);
  const usage = obj(doc.usage) ?? obj(agentMeta?.usage);
  const summary = (str(doc.final) ?? payloadText(doc.payloads)).trim();
  const errorMessage = str(obj(doc.error)?.message) ?? str(obj(meta?.error)?.message) ?? str(meta?.error);
  const failed =
    doc.ok === false ||
    (doc.status !== undefined && doc.status !== 'ok') ||
    meta?.aborted === true ||
    errorMessage !== undefined;
  const ok = !failed && exitCode === 0;
  const events: AgentEvent[] = [];
  if (sessionId) events.push({ kind: 'session', sessionId });
  if (summary) events.push({ kind: 'message', text: summary });
  for (const tool of arr(obj(doc.toolSummary)?.tools)) {
    if (typeof tool !== 'string') continue;
    // An MCP tool is `<server>__<tool>` (server names hold no `_`); OpenClaw's own have single `_`.
    const mcp = /^([A-Za-z][A-Za-z0-9-]*)__(.+)$/.exec(tool);
    events.push(mcp ? mcpToolEvent(mcp[1]!, mcp[2]!) : { kind: 'tool', name: tool, description: `used ${tool}` });
  }
  events.push({
    kind: 'result',
    ok,
    summary,
    sessionId,
    // costUsd is present only when OpenClaw knows the price; usage.cost is 0 for unpriced models.
    costUsd: num(doc.costUsd) ?? num(agentMeta?.costUsd),
    turns: num(doc.assistantTurns) ?? num(agentMeta?.assistantTurns),
    inputTokens: num(usage?.input),
    outputTokens: num(usage?.output),
    error: ok
      ? undefined
      : (errorMessage ??
        (doc.status === 'timeout'
          ? 'OpenClaw timed out'
          : stderrTail(stderr) || `openclaw exited with code ${exitCode}`)),
  });
  return events;
}

function parseDocument(stdout: string): JsonObject | undefined {
  const whole = parseJsonObject(stdout);
  if (whole) return whole;
  // Anything printed before the document (a warning on stdout): start at the first line that opens it.
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.trimEnd() === '{');
  return start >= 0 ? parseJsonObject(lines.slice(start).join('\n')) : undefined;
}

function payloadText(payloads: unknown): string {
  return arr(payloads)
    .map((p) => str(obj(p)?.text) ?? '')
    .filter(Boolean)
    .join('\n\n');
}
