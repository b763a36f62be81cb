import type { ProcessConfig } from './process.js';

/**
 * E2B's MCP gateway as the SDK starts it: `Sandbox.create(template, { mcp })` runs
 * `mcp-gateway --config '<json>'` as root through envd with the access token it generated in
 * `GATEWAY_ACCESS_TOKEN`; the gateway listens on port 50005 (`getMcpUrl()` is
 * `https://50005-<sandbox id>.<domain>/mcp`) and keeps the token in `/etc/mcp-gateway/.token`,
 * which `getMcpToken()` reads when the SDK did not start it itself (a resumed sandbox).
 * The stand-in records what it was started with; it serves no MCP itself.
 */
export interface FakeMcpGateway {
  /** The servers and settings the gateway was started with (E2B's `mcp` option, as sent). */
  config: Record<string, unknown>;
  token: string;
}

export const MCP_TOKEN_PATH = '/etc/mcp-gateway/.token';

const START = /^mcp-gateway --config (.+)$/s;

/** The gateway a process start asks for, when it is the SDK's `mcp-gateway --config` command. */
export function gatewayStart(config: ProcessConfig): FakeMcpGateway | undefined {
  const script = config.cmd === '/bin/bash' ? config.args.at(-1) : undefined;
  const quoted = script === undefined ? undefined : START.exec(script)?.[1];
  if (quoted === undefined) return undefined;
  return {
    config: JSON.parse(unquote(quoted)) as Record<string, unknown>,
    token: config.envs.GATEWAY_ACCESS_TOKEN ?? '',
  };
}

/** The inverse of the SDK's `shellQuote`: `'...'` with `'"'"'` for each `'`. */
function unquote(word: string): string {
  if (!word.startsWith("'")) return word;
  return word.slice(1, -1).replace(/'"'"'/g, "'");
}
