import { ampDriver } from './amp.js';
import { claudeDriver } from './claude.js';
import { codexDriver } from './codex.js';
import { openclawDriver } from './openclaw.js';
import { opencodeDriver } from './opencode.js';
import { AGENT_NAMES, type AgentDriver, type AgentEnv, type AgentName } from './types.js';

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

/**
 * The model a run of `agent` uses: the trigger's `--model`, else the repository's
 * `model.<agent>`; undefined means the driver's default.
 */
export function runModel(job: {
  agent: AgentName;
  model?: string;
  config: { model: Partial<Record<AgentName, string>> };
}): string | undefined {
  return job.model ?? job.config.model[job.agent];
}

/**
 * Why `agent` cannot run `model` (undefined: its default) with the app's `env`, as the end of a
 * sentence for the reply ("the app has no `X` set. ..."), or undefined when it can run.
 * The one check behind both the reply to a trigger and the agents `/agent help` lists.
 */
export function cannotRun(agent: AgentName, model: string | undefined, env: AgentEnv): string | undefined {
  const driver = getDriver(agent);
  if (!driver) return 'this version of the app has no driver for it.';
  const unsupported = model === undefined ? undefined : driver.unsupportedModel?.(model);
  if (unsupported) return unsupported;
  const missing = missingEnv(driver, model, env);
  return missing ? `the app has no ${missing} set. Ask whoever runs this app to set it.` : undefined;
}

/** The variables a run lacks, as text ("`ANTHROPIC_API_KEY` or `ANTHROPIC_AUTH_TOKEN`"), or undefined. */
export function missingEnv(driver: AgentDriver, model: string | undefined, env: AgentEnv): string | undefined {
  const unmet = driver.requiredEnv(model, env).filter((anyOf) => !anyOf.some((name) => !!env[name]));
  return unmet.length ? unmet.map((anyOf) => anyOf.map((n) => `\`${n}\``).join(' or ')).join(' and ') : undefined;
}

/**
 * The agents that can run here: a driver, and every variable their model needs set (non-empty)
 * in `env`. `models` is the repository's `model` setting (an agent without one runs its default).
 */
export function availableAgents(env: AgentEnv, models: Partial<Record<AgentName, string>> = {}): AgentName[] {
  return AGENT_NAMES.filter((name) => cannotRun(name, models[name], env) === undefined);
}
