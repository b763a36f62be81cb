import type { RepoConfig } from '../config/repo-config.js';
import { isAgentName, resolveAgent } from './agent-choice.js';
import type { Trigger } from './types.js';

// A word on the first line: horizontal whitespace, then non-space characters.
const NEXT_WORD = /^[^\S\n]+(\S+)/;
const MODEL_FLAG = /^--model(?:=(.*))?$/i;
// Model names reach the agent's command line (quoted); a narrow alphabet is cheap defence in depth.
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+[\]-]*$/;

/**
 * A comment is a command when its first line starts with the command word, at column 0:
 * indented text is a Markdown code block, and a fenced or quoted line starts with ``` or `>`.
 *
 *   /agent [<agent>] [--model <name>] [instructions...]   instructions may continue on later lines
 *   /agent help | /agent stop | /agent cancel             the keyword alone on the first line
 *   /agent doctor [--setup]                               likewise
 *
 * A first word that is not an agent name starts the instructions. `--model` that is not
 * followed by a usable name is left in the instructions rather than guessed at.
 */
export function parseCommand(body: string, config: Pick<RepoConfig, 'command' | 'agent' | 'agents'>): Trigger | null {
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
