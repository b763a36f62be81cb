import type { Logger } from 'pino';
import type { AgentEnv } from '../agents/types.js';
import type { ParseResult, RepoConfig } from '../config/repo-config.js';
import { getDriver } from '../agents/index.js';
import type { SandboxProvider } from '../sandbox/types.js';
import { doctorChecks, renderDoctor, type DoctorFacts } from './doctor-checks.js';
import { reply, type Thread } from './replies.js';
import type { TriggerEvent } from './trigger-event.js';

export interface DoctorDeps {
  agentEnv: AgentEnv;
  provider: Pick<SandboxProvider, 'name' | 'templateExists'>;
  e2bKey: boolean;
  /** Where sandboxes reach the broker; undefined: they cannot. */
  brokerUrl?: string;
  gheHost?: string;
  log: Logger;
}

/** How long `/agent doctor --setup` may take at most, queueing included. */
export const DOCTOR_SETUP_MINUTES = 10;

/** How long the app waits for `<PUBLIC_URL>/healthz`: a webhook must be answered within 10 s. */
const HEALTH_TIMEOUT_MS = 3_000;

/**
 * `/agent doctor`: reads the configuration afresh (not the cached copy: the maintainer may just
 * have fixed it), gathers what the checks need and replies with the checklist. Never starts an agent;
 * with `wantsSetup` the reply says what `--setup` runs next. Returns the configuration it read.
 */
export async function doctor(
  ev: TriggerEvent,
  thread: Thread,
  deps: DoctorDeps,
  loadConfig: () => Promise<ParseResult>,
  wantsSetup = false,
): Promise<ParseResult> {
  const [config, sources] = await Promise.all([
    loadConfig(),
    ev.readConfigSources().catch((err: unknown) => {
      deps.log.warn({ err }, 'doctor: could not list the configuration files');
      return [];
    }),
  ]);
  const [templates, brokerHealth] = await Promise.all([
    config.ok ? lookUpTemplates(config.config, deps) : undefined,
    deps.provider.name === 'e2b' && deps.brokerUrl ? fetchHealth(deps.brokerUrl) : undefined,
  ]);
  const facts: DoctorFacts = {
    config,
    sources,
    env: deps.agentEnv,
    provider: deps.provider.name,
    e2bKey: deps.e2bKey,
    ...(templates && { templates }),
    ...(deps.brokerUrl && { brokerUrl: deps.brokerUrl }),
    ...(brokerHealth && { brokerHealth }),
    gitHost: deps.gheHost ?? 'github.com',
  };
  const setup = config.ok ? setupNote(config.config, wantsSetup) : undefined;
  await reply(ev.gh, thread, renderDoctor(doctorChecks(facts)) + (setup ? `\n\n${setup}` : ''));
  return config;
}

/** What `--setup` does next, under the checklist. */
function setupNote(config: RepoConfig, wanted: boolean): string | undefined {
  if (!wanted) return undefined;
  return config.setup.length === 0
    ? 'There are no `setup` commands to run.'
    : `Running the ${config.setup.length === 1 ? 'setup command' : `${config.setup.length} setup commands`} in a sandbox now (at most ${DOCTOR_SETUP_MINUTES} minutes); a status comment follows it.`;
}

/** Each allowed agent's template: exists, or why it could not be looked up. Only on E2B with a key. */
async function lookUpTemplates(
  config: RepoConfig,
  deps: DoctorDeps,
): Promise<Record<string, boolean | string> | undefined> {
  const exists = deps.provider.templateExists?.bind(deps.provider);
  if (deps.provider.name !== 'e2b' || !deps.e2bKey || !exists) return undefined;
  const names = [...new Set(config.agents.map((a) => config.templates[a] ?? getDriver(a)?.template ?? a))];
  const found = await Promise.all(
    names.map((name) => exists(name).catch((err: unknown) => (err instanceof Error ? err.message : String(err)))),
  );
  return Object.fromEntries(names.map((name, i) => [name, found[i]!]));
}

/** `<url>/healthz` from the app: 'ok' on a 2xx, else what happened. */
async function fetchHealth(url: string): Promise<string> {
  try {
    const res = await fetch(`${url.replace(/\/+$/, '')}/healthz`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    await res.body?.cancel();
    return res.ok ? 'ok' : `HTTP ${res.status}`;
  } catch (err) {
    return err instanceof Error && err.name === 'TimeoutError'
      ? `no answer within ${HEALTH_TIMEOUT_MS / 1000} s`
      : `${(err as Error).message}`;
  }
}
