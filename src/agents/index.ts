import { ampDriver } from './amp.js';
import { claudeDriver } from './claude.js';
import { codexDriver } from './codex.js';
import { openclawDriver } from './openclaw.js';
import { opencodeDriver } from './opencode.js';
import { AGENT_NAMES, type AgentDriver, type AgentName } from './types.js';

/** Every agent this app can run, by name. An agent without a driver here cannot be chosen. */
export const drivers: Partial<Record<AgentName, AgentDriver>> = {
  claude: claudeDriver,
  codex: codexDriver,
  amp: ampDriver,
  opencode: opencodeDriver,
  openclaw: openclawDriver,
};

export function getDriver(name: AgentName): AgentDriver | undefined {
  return drivers[name];
}

/** The agents with a driver whose required variables are all set (non-empty) in `env`. */
export function availableAgents(env: Readonly<Record<string, string | undefined>>): AgentName[] {
  return AGENT_NAMES.filter((name) => {
    const driver = drivers[name];
    return driver !== undefined && driver.requiredEnv.every((anyOf) => anyOf.some((v) => !!env[v]));
  });
}
