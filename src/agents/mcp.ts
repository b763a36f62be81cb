import type { AgentEvent, McpServerSpec } from './types.js';

/**
 * What the drivers share about MCP: the status line of a tool call, and the variable that
 * holds a header's value in the agent's environment.
 */

/** An MCP tool call as the action log shows it: `called docs.search`. */
export function mcpToolEvent(server: string, tool: string): AgentEvent {
  return { kind: 'tool', name: 'mcp', description: `called ${server}.${tool}` };
}

/** A server the CLI reported unusable (it failed to start or to connect); the run goes on without it. */
export function mcpServerFailed(server: string, status: string): AgentEvent {
  return {
    kind: 'tool',
    name: 'mcp',
    description: `MCP server ${server} is unavailable (${status}); continuing without it`,
  };
}

/** The variable holding header `index` of `server`: `ISSUE_AGENT_MCP_DOCS_1` (names hold no `_`, so no two collide). */
export function mcpHeaderVariable(server: string, index: number): string {
  return `ISSUE_AGENT_MCP_${server.toUpperCase().replace(/-/g, '_')}_${index + 1}`;
}

/** The variables the servers' headers need in the agent's environment. */
export function mcpEnv(servers: readonly McpServerSpec[] = []): Record<string, string> {
  return Object.fromEntries(servers.flatMap((s) => s.headers.map((h) => [h.env, h.value])));
}

/**
 * `<server><sep><tool>` split back at the first separator after a registered server's name;
 * undefined when the name is no MCP tool of these servers.
 */
export function splitMcpTool(
  name: string,
  servers: readonly string[],
  sep: string,
): { server: string; tool: string } | undefined {
  const server = servers.find((s) => name.startsWith(`${s}${sep}`) && name.length > s.length + sep.length);
  return server ? { server, tool: name.slice(server.length + sep.length) } : undefined;
}
