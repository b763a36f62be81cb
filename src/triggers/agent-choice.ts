import { AGENT_NAMES, type AgentName } from '../agents/types.js';

/** A name a user typed, resolved against the agents this repository allows. Case-insensitive. */
export function resolveAgent(
  name: string,
  allowed: readonly AgentName[],
): { ok: true; agent: AgentName } | { ok: false } {
  const lower = name.toLowerCase();
  const agent = AGENT_NAMES.find((a) => a === lower);
  return agent !== undefined && allowed.includes(agent) ? { ok: true, agent } : { ok: false };
}

export function isAgentName(name: string): boolean {
  return (AGENT_NAMES as readonly string[]).includes(name.toLowerCase());
}

// Model names reach the agent's command line (quoted); a narrow alphabet is cheap defence in depth.
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+[\]-]*$/;
