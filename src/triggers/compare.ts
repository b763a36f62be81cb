import type { AgentName } from '../agents/types.js';
import { inlineCode } from '../config/markdown.js';
import { REPO_CONFIG_PATH, type RepoConfig } from '../config/repo-config.js';
import { MODEL_NAME, resolveAgent } from './agent-choice.js';
import type { Trigger } from './types.js';

type CompareConfig = Pick<RepoConfig, 'command' | 'agents' | 'compare'>;

// A word on the first line: horizontal whitespace, then non-space characters.
const NEXT_WORD = /^[^\S\n]+(\S+)/;
const MODEL_FLAG = /^--model(?:=(.*))?$/i;

/**
 * `compare <a>,<b>[,<c>...] [--model <agent>=<model> ...] [instructions]`, the text after the
 * command word. The agent list is one word; each `--model` names one of its agents. Anything
 * wrong is an `invalid` trigger whose message says what (one reply, no run).
 */
export function parseCompare(rest: string, config: CompareConfig): Trigger {
  const usage = `Usage: ${inlineCode(`${config.command} compare <agent>,<agent>[,...] [--model <agent>=<model>] [instructions]`)}.`;
  let word = NEXT_WORD.exec(rest);
  if (!word?.[1]) return invalid(`${inlineCode(`${config.command} compare`)} needs the agents to run. ${usage}`);
  const names = word[1].split(',').filter((n) => n !== '');
  rest = rest.slice(word[0].length);

  const models: Partial<Record<AgentName, string>> = {};
  for (word = NEXT_WORD.exec(rest); word?.[1] !== undefined && MODEL_FLAG.test(word[1]); word = NEXT_WORD.exec(rest)) {
    const inline = MODEL_FLAG.exec(word[1])![1];
    const separate = inline === undefined ? NEXT_WORD.exec(rest.slice(word[0].length)) : null;
    const value = inline ?? separate?.[1] ?? '';
    rest = rest.slice(word[0].length + (separate?.[0].length ?? 0));
    const [agentName = '', model = ''] = splitOnce(value, '=');
    const agent = names.find((n) => n.toLowerCase() === agentName.toLowerCase());
    if (!agent || !MODEL_NAME.test(model)) {
      return invalid(
        `${inlineCode(`--model ${value}`)} must name one of the compared agents and a model, e.g. ${inlineCode(`--model ${names[0] ?? 'claude'}=<model>`)}.`,
      );
    }
    models[agent.toLowerCase() as AgentName] = model;
  }
  const agents = validateCompare(names, config);
  if (!Array.isArray(agents)) return agents;
  return { kind: 'compare', agents, models, instructions: rest.trim() };
}

/**
 * The agents of a compare, or an `invalid` trigger saying why not: fewer than two, one named
 * twice, one unknown or not allowed here, more than `compare.max`, or compare turned off.
 */
export function validateCompare(
  names: readonly string[],
  config: Pick<RepoConfig, 'agents' | 'compare'>,
): AgentName[] | Extract<Trigger, { kind: 'invalid' }> {
  const { max } = config.compare;
  if (max === 0) {
    return invalid(
      `Comparing agents is turned off in this repository (\`compare.max: 0\` in \`${REPO_CONFIG_PATH}\`).`,
    );
  }
  const agents: AgentName[] = [];
  for (const name of names) {
    const choice = resolveAgent(name, config.agents);
    if (!choice.ok) {
      const allowed = config.agents.map((a) => inlineCode(a)).join(', ');
      return invalid(
        `${inlineCode(name)} is not an agent that can run in this repository. Agents you can use: ${allowed}.`,
      );
    }
    if (agents.includes(choice.agent))
      return invalid(`${inlineCode(choice.agent)} is named twice: name each agent once.`);
    agents.push(choice.agent);
  }
  if (agents.length < 2) {
    return invalid(
      `A compare needs at least two different agents, e.g. ${inlineCode('claude,codex')}; ${agents.length} named.`,
    );
  }
  if (agents.length > max) {
    return invalid(
      `At most ${max} agents can be compared in this repository (\`compare.max\`); ${agents.length} named.`,
    );
  }
  return agents;
}

/** The agents the `<label>:compare` label runs: `compare.agents`, else every usable agent, at most `compare.max`. */
export function labelCompareAgents(
  config: Pick<RepoConfig, 'agents' | 'compare'>,
  usable: readonly AgentName[],
): readonly string[] {
  return config.compare.agents ?? usable.slice(0, config.compare.max);
}

function invalid(message: string): Extract<Trigger, { kind: 'invalid' }> {
  return { kind: 'invalid', message };
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}
