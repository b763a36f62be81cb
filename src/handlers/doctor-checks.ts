import { getDriver, missingEnv, runModel } from '../agents/index.js';
import type { AgentEnv, AgentName } from '../agents/types.js';
import { isPriced } from '../broker/pricing.js';
import { inlineCode } from '../config/markdown.js';
import { mcpEnvProblems } from '../config/mcp-config.js';
import { REPO_CONFIG_PATH, type RepoConfig } from '../config/repo-config.js';

/**
 * `/agent doctor`: pure checks over facts the handler gathered (handlers/doctor.ts). Each check
 * gives lines of ✅ / ⚠️ / ❌ with the fix. To add a check, write a function over DoctorFacts and
 * list it in DOCTOR_CHECKS.
 */

export type CheckLevel = 'ok' | 'warn' | 'fail';

export interface CheckLine {
  level: CheckLevel;
  text: string;
  /** What to do about it, for warn and fail. */
  fix?: string;
}

/** A configuration file Probot read, in order: the repository's, the org's `.github`, then each `_extends`. */
export interface ConfigSource {
  /** `owner/repo:path`. */
  name: string;
  found: boolean;
}

export interface DoctorFacts {
  config: { ok: true; config: RepoConfig } | { ok: false; errors: string[] };
  sources: ConfigSource[];
  /** The app's environment, as drivers read it (keys, base URLs). */
  env: AgentEnv;
  provider: 'e2b' | 'local';
  /** Whether E2B_API_KEY is set. */
  e2bKey: boolean;
  /** Template name → exists, or why it could not be looked up; only with e2b and a key. */
  templates?: Record<string, boolean | string>;
  /** Where sandboxes reach the broker; undefined: they cannot (e2b without PUBLIC_URL). */
  brokerUrl?: string;
  /** `<brokerUrl>/healthz` fetched from the app: 'ok', or what went wrong; undefined when not tried. */
  brokerHealth?: string;
  /** GitHub's host for git (github.com, or GHE_HOST). */
  gitHost: string;
}

type Check = (facts: DoctorFacts) => CheckLine[];

/** Every check, in the order the reply lists them. */
export const DOCTOR_CHECKS: readonly Check[] = [
  configCheck,
  agentChecks,
  providerCheck,
  templateChecks,
  networkChecks,
  brokerCheck,
  mcpCheck,
];

export function doctorChecks(facts: DoctorFacts): CheckLine[] {
  return DOCTOR_CHECKS.flatMap((check) => check(facts));
}

const ICON: Record<CheckLevel, string> = { ok: '✅', warn: '⚠️', fail: '❌' };

/** The reply: a headline, then one line per check. */
export function renderDoctor(lines: readonly CheckLine[]): string {
  const fails = lines.filter((l) => l.level === 'fail').length;
  const warns = lines.filter((l) => l.level === 'warn').length;
  const headline =
    fails > 0
      ? `**issue-agent doctor**: ${fails} problem${fails === 1 ? '' : 's'} to fix before runs can work${warns ? `, ${warns} warning${warns === 1 ? '' : 's'}` : ''}.`
      : warns > 0
        ? `**issue-agent doctor**: runs can start; ${warns} warning${warns === 1 ? '' : 's'}.`
        : '**issue-agent doctor**: everything checked is in order.';
  const items = lines.map((l) => `- ${ICON[l.level]} ${l.text}${l.fix ? ` **Fix:** ${l.fix}` : ''}`);
  return [headline, '', ...items, '', 'No agent was started.'].join('\n');
}

function configCheck(facts: DoctorFacts): CheckLine[] {
  const read = facts.sources.filter((s) => s.found).map((s) => inlineCode(s.name));
  const from =
    read.length === 0
      ? `no \`${REPO_CONFIG_PATH}\` here or in the organization's \`.github\` repository: the defaults apply`
      : read.length === 1
        ? `read from ${read[0]}`
        : `read from ${read[0]}, extending ${read.slice(1).join(', then ')}`;
  if (facts.config.ok) return [{ level: 'ok', text: `Configuration is valid (${from}).` }];
  return [
    {
      level: 'fail',
      text: `Configuration is invalid (${from}): ${facts.config.errors.join('; ')}.`,
      fix: `correct \`${REPO_CONFIG_PATH}\` on the default branch (or the file its \`_extends\` names).`,
    },
  ];
}

/** The config the other checks look at: the repository's, or the defaults when it is invalid. */
function configOf(facts: DoctorFacts): RepoConfig | undefined {
  return facts.config.ok ? facts.config.config : undefined;
}

function agentChecks(facts: DoctorFacts): CheckLine[] {
  const config = configOf(facts);
  if (!config) return [];
  return config.agents.map((agent) => agentLine(agent, config, facts.env));
}

function agentLine(agent: AgentName, config: RepoConfig, env: AgentEnv): CheckLine {
  const driver = getDriver(agent);
  const name = inlineCode(agent);
  if (!driver) return { level: 'fail', text: `${name}: this version of the app has no driver for it.` };
  const model = runModel({ agent, config });
  const unsupported = model === undefined ? undefined : driver.unsupportedModel?.(model);
  if (unsupported)
    return {
      level: 'fail',
      text: `${name} with the model ${inlineCode(model!)}: ${unsupported}`,
      fix: `change \`model.${agent}\`.`,
    };
  const missing = missingEnv(driver, model, env);
  if (missing)
    return {
      level: 'fail',
      text: `${name}: the app has no ${missing} set.`,
      fix: `whoever runs the app sets it, or remove ${name} from \`agents\`.`,
    };
  if (model === undefined) return { level: 'ok', text: `${name}: key set; the CLI's default model.` };
  // Amp's setting is a mode on Amp's servers, not a model the app meters.
  if (agent === 'amp' || isPriced(model, config.pricing))
    return { level: 'ok', text: `${name}: key set; model ${inlineCode(model)} known.` };
  return {
    level: 'warn',
    text: `${name}: key set; the model ${inlineCode(model)} is not in the price table, so it is priced like its provider's dearest model.`,
    fix: `check the name, or give its price in \`pricing\`.`,
  };
}

function providerCheck(facts: DoctorFacts): CheckLine[] {
  if (facts.provider === 'local')
    return [
      {
        level: 'warn',
        text: '`SANDBOX_PROVIDER` is `local`: agents run unisolated on the app’s machine (development only).',
        fix: 'in production set `SANDBOX_PROVIDER=e2b` and `E2B_API_KEY`.',
      },
    ];
  if (!facts.e2bKey)
    return [
      {
        level: 'fail',
        text: '`SANDBOX_PROVIDER` is `e2b` but `E2B_API_KEY` is not set.',
        fix: 'whoever runs the app sets `E2B_API_KEY`.',
      },
    ];
  return [{ level: 'ok', text: '`SANDBOX_PROVIDER` is `e2b` and `E2B_API_KEY` is set.' }];
}

function templateChecks(facts: DoctorFacts): CheckLine[] {
  const config = configOf(facts);
  if (!config || !facts.templates) return [];
  return config.agents.map((agent) => {
    const template = config.templates[agent] ?? getDriver(agent)?.template ?? agent;
    const found = facts.templates![template];
    const name = `${inlineCode(agent)}'s E2B template ${inlineCode(template)}`;
    if (found === true) return { level: 'ok', text: `${name} exists.` };
    if (found === false)
      return {
        level: 'fail',
        text: `${name} does not exist for this E2B key.`,
        fix: `build it (\`npm run templates:build -- ${agent}${config.templates[agent] ? ` --name ${template}` : ''}\`, docs/e2b.md) or correct \`templates.${agent}\`.`,
      };
    return { level: 'warn', text: `${name} could not be looked up: ${found ?? 'not asked'}.` };
  });
}

/** Package managers a setup command may call, and the hosts each downloads from. */
const REGISTRIES: readonly { name: string; words: readonly string[]; hosts: readonly string[] }[] = [
  { name: 'npm', words: ['npm', 'npx', 'pnpm', 'yarn'], hosts: ['registry.npmjs.org'] },
  {
    name: 'pip',
    words: ['pip', 'pip3', 'pipx', 'poetry', 'uv'],
    hosts: ['pypi.org', 'files.pythonhosted.org'],
  },
  { name: 'cargo', words: ['cargo'], hosts: ['crates.io', 'static.crates.io', 'index.crates.io'] },
  { name: 'go', words: ['go'], hosts: ['proxy.golang.org', 'sum.golang.org'] },
];

/**
 * The package registries the setup commands use, by the program each simple command starts
 * with (after `VAR=value` assignments): `npm ci && pip install -r x` uses npm and pip.
 */
export function setupRegistries(commands: readonly string[]): { name: string; hosts: readonly string[] }[] {
  const programs = new Set<string>();
  for (const cmd of commands) {
    for (const part of cmd.split(/&&|\|\||[;|\n]/)) {
      const words = part.trim().split(/\s+/);
      const first = words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) && w !== 'sudo' && w !== 'env');
      if (!first) continue;
      const program = first.slice(first.lastIndexOf('/') + 1);
      // `python -m pip install ...` is pip.
      programs.add(/^python3?$/.test(program) && words[words.indexOf('-m') + 1] === 'pip' ? 'pip' : program);
    }
  }
  return REGISTRIES.filter((r) => r.words.some((w) => programs.has(w)));
}

/** Whether `allowOut` lets the sandbox reach `host`: the name itself, a `*.` parent, or an IPv4 address or range holding it. */
export function allows(allowOut: readonly string[], host: string): boolean {
  const h = host.toLowerCase();
  return allowOut.some((entry) => {
    const e = entry.toLowerCase();
    if (e === h) return true;
    if (e.startsWith('*.') && h.endsWith(e.slice(1))) return true;
    return ipv4InRange(h, e);
  });
}

function ipv4InRange(ip: string, range: string): boolean {
  const [base, bits = '32'] = range.split('/');
  const a = ipv4(ip);
  const b = ipv4(base ?? '');
  const n = Number(bits);
  if (a === undefined || b === undefined || !Number.isInteger(n) || n < 0 || n > 32) return false;
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

function ipv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

/** The host an agent's model calls go to when it calls the provider itself (no broker, or Amp). */
function modelHost(agent: AgentName, config: RepoConfig, env: AgentEnv): string | undefined {
  const driver = getDriver(agent);
  if (!driver) return undefined;
  const needs = driver.requiredEnv(runModel({ agent, config }), env).flat();
  if (needs.includes('AMP_API_KEY')) return hostOf(env.AMP_URL) ?? 'ampcode.com';
  if (needs.some((n) => n.startsWith('ANTHROPIC_'))) return hostOf(env.ANTHROPIC_BASE_URL) ?? 'api.anthropic.com';
  if (needs.some((n) => n.startsWith('OPENAI_') || n.startsWith('CODEX_')))
    return hostOf(env.OPENAI_BASE_URL) ?? 'api.openai.com';
  return undefined;
}

function networkChecks(facts: DoctorFacts): CheckLine[] {
  const config = configOf(facts);
  if (!config) return [];
  const allowOut = config.network?.allowOut;
  if (allowOut === undefined)
    return [{ level: 'ok', text: 'Network: unrestricted (no `network.allowOut`), so every host is reachable.' }];
  // Host → what needs it, in the order found.
  const needed = new Map<string, string[]>();
  const need = (host: string | undefined, why: string) => {
    if (host) needed.set(host, [...(needed.get(host) ?? []), why]);
  };
  const broker = hostOf(facts.brokerUrl);
  need(broker ?? facts.gitHost, 'git');
  for (const agent of config.agents) {
    // Through the broker the model calls go to the app too; Amp's loop always runs on Amp's servers.
    need(broker && agent !== 'amp' ? broker : modelHost(agent, config, facts.env), `\`${agent}\``);
  }
  for (const registry of setupRegistries(config.setup))
    for (const host of registry.hosts) need(host, `setup (${registry.name})`);
  return [...needed].map(([host, whys]) =>
    allows(allowOut, host)
      ? { level: 'ok' as const, text: `Network: ${inlineCode(host)} allowed (${whys.join(', ')}).` }
      : {
          level: 'fail' as const,
          text: `Network: ${inlineCode(host)} is not in \`network.allowOut\`, and ${whys.join(', ')} need${whys.length === 1 ? 's' : ''} it.`,
          fix: `add \`${host}\` to \`network.allowOut\`.`,
        },
  );
}

function brokerCheck(facts: DoctorFacts): CheckLine[] {
  if (!facts.brokerUrl)
    return [
      {
        level: 'warn',
        text: 'Broker: no `PUBLIC_URL`, so sandboxes cannot reach the app: model keys and a read-only GitHub token enter the sandbox, and spending is neither metered nor limited.',
        fix: 'whoever runs the app sets `PUBLIC_URL` to the address sandboxes reach it at.',
      },
    ];
  const where = inlineCode(facts.brokerUrl);
  if (facts.provider === 'local')
    return [{ level: 'ok', text: `Broker: sandboxes reach the app at ${where} (local provider).` }];
  if (facts.brokerHealth === 'ok')
    return [{ level: 'ok', text: `Broker: ${where} answers its health check (fetched from the app).` }];
  return [
    {
      level: 'warn',
      text: `Broker: ${where}/healthz did not answer the app (${facts.brokerHealth ?? 'not tried'}); sandboxes may not reach it either.`,
      fix: '`PUBLIC_URL` must be the address at which E2B sandboxes reach this app over the internet.',
    },
  ];
}

/** MCP servers: every `{ env: NAME }` the config names is allowed (`MCP_ALLOWED_ENV`) and set where the app runs. */
function mcpCheck(facts: DoctorFacts): CheckLine[] {
  const mcp = configOf(facts)?.mcp;
  const servers = [...Object.keys(mcp?.gateway ?? {}), ...Object.keys(mcp?.remote ?? {})];
  if (!mcp || servers.length === 0) return [];
  const problems = mcpEnvProblems(mcp, facts.env);
  if (problems.length === 0)
    return [
      {
        level: 'ok',
        text: `MCP servers ${servers.map((s) => inlineCode(s)).join(', ')}: every variable they name is set.`,
      },
    ];
  return problems.map((p) =>
    p.problem === 'unset'
      ? {
          level: 'fail',
          text: `MCP: ${inlineCode(p.field)} names ${inlineCode(p.variable)}, which is not set where the app runs.`,
          fix: `set ${inlineCode(p.variable)} in the app's environment.`,
        }
      : {
          level: 'fail',
          text: `MCP: ${inlineCode(p.field)} names ${inlineCode(p.variable)}, which is not in the app's \`MCP_ALLOWED_ENV\`.`,
          fix: `ask whoever runs the app to add ${inlineCode(p.variable)} to \`MCP_ALLOWED_ENV\`.`,
        },
  );
}
