import { mcpHeaderVariable } from '../agents/mcp.js';
import type { McpServerSpec } from '../agents/types.js';
import { GATEWAY_SERVER, mcpEnvProblems, resolveValue, type McpConfig } from '../config/mcp-config.js';
import type { McpGateway } from '../sandbox/types.js';
import { SetupError } from './failure.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The gateway's servers with their `{ env }` values filled in, for `Sandbox.create`; undefined
 * when the config names none. E2B gets these values: they run E2B's catalog servers in the sandbox.
 */
export function gatewaySettings(
  mcp: McpConfig | undefined,
  env: Env,
): Record<string, Record<string, unknown>> | undefined {
  const servers = Object.entries(mcp?.gateway ?? {});
  if (servers.length === 0) return undefined;
  return Object.fromEntries(
    servers.map(([server, settings]) => [
      server,
      Object.fromEntries(
        Object.entries(settings).map(([key, value]) => [key, fill(value, env, `mcp.gateway.${server}.${key}`)]),
      ),
    ]),
  );
}

export interface AgentMcpSources {
  mcp: McpConfig | undefined;
  /** The app's environment, where `{ env }` values are read when there is no broker. */
  env: Env;
  /** With the broker: each remote server's address there and the job's capability as its bearer token. */
  broker?: (server: string) => { url: string; authorization: string };
  /** The sandbox's gateway, when the config names gateway servers and it came up. */
  gateway?: McpGateway;
}

/**
 * The MCP servers the agent registers. With the broker a remote server is the broker's
 * `/broker/mcp/<name>`, reached with the job's capability: the configured secrets stay in the
 * app. Without it (E2B without PUBLIC_URL) the agent gets the server's own URL and the filled
 * header values in variables of its process, as it then gets the model keys.
 */
export function agentMcpServers({ mcp, env, broker, gateway }: AgentMcpSources): McpServerSpec[] {
  const servers: McpServerSpec[] = [];
  const spec = (name: string, url: string, headers: [string, string][]): McpServerSpec => ({
    name,
    url,
    headers: headers.map(([header, value], i) => ({ name: header, env: mcpHeaderVariable(name, i), value })),
  });
  if (gateway) servers.push(spec(GATEWAY_SERVER, gateway.url, [['Authorization', `Bearer ${gateway.token}`]]));
  for (const [name, remote] of Object.entries(mcp?.remote ?? {})) {
    if (broker) {
      const via = broker(name);
      servers.push(spec(name, via.url, [['Authorization', via.authorization]]));
    } else {
      const headers = Object.entries(remote.headers).map(([header, value]): [string, string] => [
        header,
        fill(value, env, `mcp.remote.${name}.headers.${header}`),
      ]);
      servers.push(spec(name, remote.url, headers));
    }
  }
  return servers;
}

/**
 * Fails the run before a sandbox is paid for when a variable an MCP server needs is not set, or
 * was withdrawn from MCP_ALLOWED_ENV since the trigger was accepted.
 */
export function requireMcpEnv(mcp: McpConfig | undefined, env: Env): void {
  const problems = mcp ? mcpEnvProblems(mcp, env) : [];
  if (problems.length === 0) return;
  const what = problems.map(
    (p) =>
      `\`${p.field}\` names the app's variable \`${p.variable}\`, which ${p.problem === 'unset' ? 'is not set' : 'is not in its `MCP_ALLOWED_ENV`'}`,
  );
  throw new SetupError(`${what.join('; ')}: ask whoever runs this app`);
}

/** Whether the config names any MCP server. */
export function hasMcpServers(mcp: McpConfig | undefined): boolean {
  return Object.keys(mcp?.gateway ?? {}).length + Object.keys(mcp?.remote ?? {}).length > 0;
}

/** A value filled in; a variable that is not set fails the run before a sandbox is paid for. */
function fill<T>(value: Parameters<typeof resolveValue<T>>[0], env: Env, field: string): T | string {
  try {
    return resolveValue(value, env);
  } catch (err) {
    throw new SetupError(`\`${field}\`: ${(err as Error).message}; ask whoever runs this app to set it`);
  }
}
