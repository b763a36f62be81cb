import type { AgentName } from '../agents/types.js';
import { inlineCode } from '../config/markdown.js';
import { REPO_CONFIG_PATH, type RepoConfig } from '../config/repo-config.js';

type HelpConfig = Pick<RepoConfig, 'command' | 'label' | 'agent' | 'agents' | 'permission' | 'compare'>;

/** Agents a trigger may name: allowed by the repository and runnable by this installation. */
export function usableAgents(config: Pick<RepoConfig, 'agents'>, available: readonly AgentName[]): AgentName[] {
  return config.agents.filter((agent) => available.includes(agent));
}

/** Said wherever it matters when sandboxes cannot reach the app's broker (no PUBLIC_URL on e2b). */
export const CREDENTIALS_IN_SANDBOX =
  '⚠️ This app has no `PUBLIC_URL`, so sandboxes cannot reach it: agents get the model keys and a read-only GitHub token inside their sandbox, and model spending is neither metered nor limited. Ask whoever runs the app to set `PUBLIC_URL`.';

/**
 * Reply to `/agent help`: every command and label form, with this repository's names.
 * `brokered`: whether agents work through the app's broker (else a warning says what that means).
 */
export function helpText(config: HelpConfig, availableAgents: readonly AgentName[], brokered = true): string {
  const cmd = config.command;
  const usable = usableAgents(config, availableAgents);
  const example = usable.find((a) => a !== config.agent) ?? usable[0] ?? config.agent;
  return [
    '**Comment** with the command on the first line:',
    '',
    '| Comment | What it does |',
    '| --- | --- |',
    `| \`${cmd}\` | Run the default agent (${inlineCode(config.agent)}) on this issue |`,
    `| \`${cmd} <instructions>\` | Run the default agent with extra instructions (they may continue on the next lines) |`,
    `| \`${cmd} <agent> [instructions]\` | Run a specific agent, e.g. \`${cmd} ${example} add tests\` |`,
    `| \`${cmd} [agent] --model <model> [instructions]\` | Choose the model too |`,
    ...compareRows(config, usable),
    `| \`${cmd} stop\` | Stop the running job (\`${cmd} cancel\` works too) |`,
    `| \`${cmd} doctor\` | Check what runs here need (config, keys, models, sandbox templates, network, broker) without starting an agent; \`${cmd} doctor --setup\` also runs the \`setup\` commands in a sandbox |`,
    `| \`${cmd} help\` | Show this help |`,
    '',
    `On a pull request opened by the app, \`${cmd} ...\` continues the work on its branch; \`${cmd}\` alone addresses every unresolved review thread. A review whose text starts with \`${cmd}\` starts one run for all of its comments, and the app replies in each thread.`,
    '',
    `**Label** the issue ${inlineCode(config.label)} to run the default agent, or ${inlineCode(`${config.label}:<agent>`)} (e.g. ${inlineCode(`${config.label}:${example}`)}) to pick one${compareLabel(config)}.`,
    '',
    agentsLine(config.agent, usable),
    '',
    `Runs can be started by users with the ${inlineCode(config.permission)} role or higher. Settings live in \`${REPO_CONFIG_PATH}\`.`,
    ...(brokered ? [] : ['', CREDENTIALS_IN_SANDBOX]),
  ].join('\n');
}

/** The compare commands, unless `compare.max: 0` turned them off. */
function compareRows(config: HelpConfig, usable: readonly AgentName[]): string[] {
  const cmd = config.command;
  if (config.compare.max === 0) return [];
  const pair = usable.length >= 2 ? `${usable[0]},${usable[1]}` : 'claude,codex';
  return [
    `| \`${cmd} compare <agent>,<agent>[,...] [--model <agent>=<model>] [instructions]\` | Run up to ${config.compare.max} agents side by side, e.g. \`${cmd} compare ${pair}\`: each commits to a branch of its own, and the best result (verify passed > fewer failing verify commands > fewer changed lines > lower cost > shorter duration) becomes the pull request, with a comparison table |`,
    `| \`${cmd} pick <agent>\` | After a compare: make that agent's result the pull request's content (or open it) |`,
  ];
}

function compareLabel(config: HelpConfig): string {
  if (config.compare.max === 0) return '';
  const agents = config.compare.agents?.map((a) => inlineCode(a)).join(', ');
  return `; ${inlineCode(`${config.label}:compare`)} compares ${agents ?? `up to ${config.compare.max} of the agents below`}`;
}

function agentsLine(defaultAgent: AgentName, usable: readonly AgentName[]): string {
  if (usable.length === 0) {
    return '**Agents:** none can run here: the repository allows none that this installation has credentials for.';
  }
  const note = usable.includes(defaultAgent)
    ? ''
    : ` The default agent ${inlineCode(defaultAgent)} is not available on this installation.`;
  return `**Agents:** ${usable.map((a) => inlineCode(a)).join(', ')}.${note}`;
}

/** Reply when a trigger names an agent that does not exist or is not allowed here. */
export function unknownAgentText(name: string, allowed: readonly AgentName[]): string {
  const list = allowed.length > 0 ? allowed.map((a) => inlineCode(a)).join(', ') : 'none';
  return `${inlineCode(name)} is not an agent that can run in this repository. Agents you can use: ${list}.`;
}
