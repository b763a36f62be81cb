import type { RepoConfig } from '../config/repo-config.js';
import { isAgentName, MODEL_NAME, resolveAgent } from './agent-choice.js';
import { parseCompare } from './compare.js';
import type { Trigger } from './types.js';

// A word on the first line: horizontal whitespace, then non-space characters.
const NEXT_WORD = /^[^\S\n]+(\S+)/;
const MODEL_FLAG = /^--model(?:=(.*))?$/i;

/**
 * A comment is a command when its first line starts with the command word, at column 0:
 * indented text is a Markdown code block, and a fenced or quoted line starts with ``` or `>`.
 *
 *   /agent [<agent>] [--model <name>] [instructions...]   instructions may continue on later lines
 *   /agent help | /agent stop | /agent cancel             the keyword alone on the first line
 *   /agent doctor [--setup]                               likewise
 *   /agent compare <a>,<b>[,...] [--model <a>=<model>] [instructions]   (triggers/compare.ts)
 *   /agent pick <agent>                                   alone on the first line
 *
 * `compare` is the keyword only when followed by agent names (a comma-separated list, or one
 * agent's name: an error then) or nothing; `pick` only with one agent's name after it. Otherwise
 * they are the first word of the instructions ("/agent compare both parsers and merge them").
 *
 * A first word that is not an agent name starts the instructions. `--model` that is not
 * followed by a usable name is left in the instructions rather than guessed at.
 */
export function parseCommand(
  body: string,
  config: Pick<RepoConfig, 'command' | 'agent' | 'agents' | 'compare'>,
): Trigger | null {
  const text = body.replace(/\r\n?/g, '\n');
  const { command } = config;
  if (text.slice(0, command.length).toLowerCase() !== command.toLowerCase()) return null;
  let rest = text.slice(command.length);
  if (rest !== '' && !/^\s/.test(rest)) return null; // `/agentx` is another word

  const firstLine = rest.split('\n', 1)[0]?.trim().toLowerCase();
  if (firstLine === 'help') return { kind: 'help' };
  if (firstLine === 'doctor') return { kind: 'doctor', setup: false };
  if (firstLine !== undefined && /^doctor\s+--setup$/.test(firstLine)) return { kind: 'doctor', setup: true };
  if (firstLine === 'stop' || firstLine === 'cancel') return { kind: 'stop' };
  const keyword = keywordCommand(rest, firstLine ?? '', config);
  if (keyword) return keyword;

  let agent = config.agent;
  let named = false;
  let word = NEXT_WORD.exec(rest);
  if (word?.[1] !== undefined && isAgentName(word[1])) {
    const choice = resolveAgent(word[1], config.agents);
    if (!choice.ok) return { kind: 'unknown-agent', name: word[1] };
    agent = choice.agent;
    named = true;
    rest = rest.slice(word[0].length);
    word = NEXT_WORD.exec(rest);
  }

  let model: string | undefined;
  const flag = word?.[1] !== undefined ? MODEL_FLAG.exec(word[1]) : null;
  if (word && flag) {
    const inline = flag[1];
    const separate = inline === undefined ? NEXT_WORD.exec(rest.slice(word[0].length)) : null;
    const value = inline ?? separate?.[1];
    if (value !== undefined && MODEL_NAME.test(value)) {
      model = value;
      rest = rest.slice(word[0].length + (separate?.[0].length ?? 0));
    }
  }

  const instructions = rest.trim();
  return { kind: 'run', agent, instructions, ...(model !== undefined && { model }), ...(named && { named }) };
}

/** `compare ...` and `pick <agent>`, when the words after them make them the keywords (see above). */
function keywordCommand(
  rest: string,
  firstLine: string,
  config: Pick<RepoConfig, 'command' | 'agents' | 'compare'>,
): Trigger | undefined {
  const [keyword, next = '', ...more] = firstLine.split(/\s+/);
  if (keyword === 'pick' && more.length === 0 && isAgentName(next)) {
    const choice = resolveAgent(next, config.agents);
    return choice.ok ? { kind: 'pick', agent: choice.agent } : { kind: 'unknown-agent', name: next };
  }
  if (keyword === 'compare' && (next === '' || next.includes(',') || isAgentName(next))) {
    return parseCompare(rest.replace(/^\s*compare/i, ''), config);
  }
  return undefined;
}
