import { z } from 'zod';
import { field } from './config-errors.js';
import { inlineCode } from './markdown.js';

/**
 * The `mcp` section of `.github/issue-agent.yml`: MCP servers the agent gets as tools. Secret
 * values never sit in the repository: `{ env: NAME }` names a variable of the app's environment,
 * and only the names the app lists in MCP_ALLOWED_ENV may be named (checked by `mcpPolicyIssues`,
 * since the schema alone does not know the app's environment).
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A value taken from the app's environment. */
export const secretRefSchema = z
  .strictObject({
    env: z
      .string()
      .regex(ENV_NAME, { error: 'must be an environment variable name (letters, digits and `_`)' })
      .describe(
        "Name of a variable of the app's environment holding the value; it must be listed in the app's `MCP_ALLOWED_ENV`.",
      ),
    prefix: z
      .string()
      .max(100)
      .optional()
      .describe('Text put before the value, e.g. `Bearer ` for an `Authorization` header.'),
  })
  .describe("A value read from the app's environment when the run starts; the repository holds only its name.");
export type SecretRef = z.output<typeof secretRefSchema>;

/**
 * Server names become part of URLs, TOML keys and tool names (`mcp__<server>__<tool>` in Claude
 * Code, `<server>_<tool>` in OpenCode): no `_`, so a tool name splits back into server and tool.
 */
const serverName = z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,39}$/, {
  error: 'must start with a letter and hold only letters, digits and `-` (at most 40 characters)',
});

/** Headers the app or the HTTP client sets itself; a config may not replace them. */
const RESERVED_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'content-type',
  'accept',
  'transfer-encoding',
  'upgrade',
  'keep-alive',
  'te',
  'trailer',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
]);

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,100}$/, { error: 'must be an HTTP header name (letters, digits and `-`)' })
  .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), {
    error: 'is set by the app itself and cannot be configured',
  });

const gatewayValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), secretRefSchema]);

const remoteServerSchema = z.strictObject({
  url: z
    .string()
    .refine(isHttpUrl, { error: 'must be an https URL, e.g. https://mcp.example.com/mcp' })
    .describe(
      'Streamable-HTTP endpoint of the server. Must be https; http only on a loopback host and only when the app runs the `local` sandbox provider (development).',
    ),
  headers: z
    .record(headerName, z.union([z.string(), secretRefSchema]))
    .default({})
    .describe(
      'Headers sent with every request to the server, e.g. `Authorization: { env: DOCS_MCP_TOKEN, prefix: "Bearer " }`. Plain text for values that are not secret.',
    ),
});
export type RemoteMcpServer = z.output<typeof remoteServerSchema>;

export const mcpConfigSchema = z
  .strictObject({
    gateway: z
      .record(serverName, z.record(z.string().min(1), gatewayValue))
      .default({})
      .describe(
        "Servers of E2B's MCP gateway (the Docker MCP catalog), by E2B's name, each with its settings, e.g. `browserbase: { apiKey: { env: BROWSERBASE_API_KEY } }`. Passed to E2B when the sandbox is created: needs `SANDBOX_PROVIDER=e2b` and a template with E2B's `mcp-gateway`.",
      ),
    remote: z
      .record(serverName, remoteServerSchema)
      .default({})
      .describe(
        'Remote MCP servers over streamable HTTP, by the name the agent sees. With the broker the agent reaches them through the app, which adds the headers.',
      ),
  })
  .describe(
    "MCP servers given to the agent as tools. Secret values are `{ env: NAME }`, read from the app's environment; the app lists the names it allows in `MCP_ALLOWED_ENV`.",
  );
export type McpConfig = z.output<typeof mcpConfigSchema>;

/** The name agents know E2B's gateway by; no remote server may take it. */
export const GATEWAY_SERVER = 'e2b-gateway';

/** What the app allows: which of its variables configs may name, and where its sandboxes run. */
export interface McpPolicy {
  /** The names in the app's MCP_ALLOWED_ENV. */
  allowedEnv: readonly string[];
  sandboxProvider: 'e2b' | 'local';
}

/** No variable allowed, E2B sandboxes: what a config is checked against when nothing else is said. */
export const STRICT_MCP_POLICY: McpPolicy = { allowedEnv: [], sandboxProvider: 'e2b' };

export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'env' in value;
}

/** Every `{ env }` reference of the section with the path of the field that holds it. */
export function secretRefs(mcp: McpConfig): { path: PropertyKey[]; ref: SecretRef }[] {
  const refs: { path: PropertyKey[]; ref: SecretRef }[] = [];
  for (const [server, settings] of Object.entries(mcp.gateway))
    for (const [key, value] of Object.entries(settings))
      if (isSecretRef(value)) refs.push({ path: ['mcp', 'gateway', server, key], ref: value });
  for (const [server, remote] of Object.entries(mcp.remote))
    for (const [name, value] of Object.entries(remote.headers))
      if (isSecretRef(value)) refs.push({ path: ['mcp', 'remote', server, 'headers', name], ref: value });
  return refs;
}

/**
 * What the app's policy refuses in a config that passed the schema, as `field: problem`
 * sentences: a variable not in MCP_ALLOWED_ENV, the gateway without E2B, a URL that is not https.
 */
export function mcpPolicyIssues(mcp: McpConfig, policy: McpPolicy): string[] {
  const issues: string[] = [];
  const allowed = new Set(policy.allowedEnv);
  for (const { path, ref } of secretRefs(mcp)) {
    if (allowed.has(ref.env)) continue;
    issues.push(
      `${field([...path, 'env'])}: ${inlineCode(ref.env)} is not one of the variables this app allows for MCP servers (its \`MCP_ALLOWED_ENV\`${allowed.size ? `: ${[...allowed].map((n) => inlineCode(n)).join(', ')}` : ' is empty'})`,
    );
  }
  if (Object.keys(mcp.gateway).length > 0 && policy.sandboxProvider !== 'e2b')
    issues.push(
      `${field(['mcp', 'gateway'])}: E2B's MCP gateway runs only in E2B sandboxes, and this app runs agents with the \`local\` sandbox provider; use \`mcp.remote\` instead`,
    );
  for (const [server, remote] of Object.entries(mcp.remote)) {
    if (server === GATEWAY_SERVER)
      issues.push(`${field(['mcp', 'remote', server])}: the name is reserved for E2B's gateway; choose another`);
    const problem = urlProblem(remote.url, policy);
    if (problem) issues.push(`${field(['mcp', 'remote', server, 'url'])}: ${problem}`);
  }
  return issues;
}

function urlProblem(url: string, policy: McpPolicy): string | undefined {
  const u = new URL(url);
  if (u.username || u.password) return 'must not hold a user name or password; put credentials in `headers`';
  if (u.protocol === 'https:') return undefined;
  if (!isLoopback(u.hostname)) return `must be https (got ${inlineCode(url)})`;
  return policy.sandboxProvider === 'local'
    ? undefined
    : `must be https: plain http is allowed only on a loopback host with the \`local\` sandbox provider (development)`;
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** MCP_ALLOWED_ENV as a list of names (comma-separated, blanks ignored). */
export function parseAllowedEnv(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
}

/** One `{ env }` reference the app cannot serve, for `/agent doctor` and a run's start. */
export interface McpEnvProblem {
  /** The config field, e.g. `mcp.remote.docs.headers.Authorization`. */
  field: string;
  variable: string;
  problem: 'not-allowed' | 'unset';
}

/**
 * The `{ env: NAME }` references of a config that the app cannot fill: NAME not in its
 * MCP_ALLOWED_ENV, or not set (empty counts as unset). Empty when every MCP variable is ready.
 */
export function mcpEnvProblems(
  mcp: McpConfig,
  env: Readonly<Record<string, string | undefined>>,
  allowedEnv: readonly string[] = parseAllowedEnv(env.MCP_ALLOWED_ENV),
): McpEnvProblem[] {
  const allowed = new Set(allowedEnv);
  return secretRefs(mcp).flatMap(({ path, ref }): McpEnvProblem[] => {
    const at = path.map(String).join('.');
    if (!allowed.has(ref.env)) return [{ field: at, variable: ref.env, problem: 'not-allowed' }];
    return env[ref.env] ? [] : [{ field: at, variable: ref.env, problem: 'unset' }];
  });
}

/** A `{ env }` value filled from the app's environment (prefix included); plain values as they are. */
export function resolveValue<T>(value: T | SecretRef, env: Readonly<Record<string, string | undefined>>): T | string {
  if (!isSecretRef(value)) return value;
  const secret = env[value.env];
  if (!secret) throw new Error(`the app's variable ${value.env} is not set`);
  return `${value.prefix ?? ''}${secret}`;
}
