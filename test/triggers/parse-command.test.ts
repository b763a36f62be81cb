import { describe, expect, it } from 'vitest';
import type { AgentName } from '../../src/agents/types.js';
import { parseCommand } from '../../src/triggers/parse-command.js';
import type { Trigger } from '../../src/triggers/types.js';

const config = {
  command: '/agent',
  agent: 'claude' as AgentName,
  agents: ['claude', 'codex'] as AgentName[],
  compare: { max: 3, pick: 'auto' as const, keepBranches: false },
};
const run = (instructions: string, agent: AgentName = 'claude', model?: string): Trigger =>
  model === undefined ? { kind: 'run', agent, instructions } : { kind: 'run', agent, model, instructions };
/** The same, with the agent named in the command (a follow-up then switches to it). */
const named = (instructions: string, agent: AgentName, model?: string): Trigger =>
  ({ ...run(instructions, agent, model), named: true }) as Trigger;

describe('parseCommand', () => {
  it.each<[string, string, Trigger | null]>([
    // what counts as a command
    ['bare command', '/agent', run('')],
    ['trailing spaces', '/agent   ', run('')],
    ['case-insensitive', '/AGENT', run('')],
    ['CRLF line ends', '/agent codex\r\nfix it\r\n', named('fix it', 'codex')],
    ['another word', '/agentx do it', null],
    ['command later in the line', 'please /agent fix', null],
    ['command on the second line', 'hi\n/agent fix', null],
    ['leading blank line', '\n/agent fix', null],
    ['indented (code block)', '    /agent fix', null],
    ['one leading space', ' /agent fix', null],
    ['inside a code fence', '```\n/agent fix\n```', null],
    ['inside a tilde fence', '~~~\n/agent fix\n~~~', null],
    ['inline code', '`/agent fix`', null],
    ['quote', '> /agent fix', null],
    ['empty comment', '', null],
    // keywords
    ['help', '/agent help', { kind: 'help' }],
    ['HELP with spaces', '/agent  HELP ', { kind: 'help' }],
    ['help, then more lines', '/agent help\nwhat can you do?', { kind: 'help' }],
    ['help as instructions', '/agent help me fix the pager', run('help me fix the pager')],
    ['doctor', '/agent doctor', { kind: 'doctor', setup: false }],
    ['DOCTOR, then more lines', '/agent Doctor \nis it set up?', { kind: 'doctor', setup: false }],
    ['doctor --setup', '/agent doctor --setup', { kind: 'doctor', setup: true }],
    ['doctor with other words is instructions', '/agent doctor the tests', run('doctor the tests')],
    ['doctor with another flag is instructions', '/agent doctor --fix', run('doctor --fix')],
    ['stop', '/agent stop', { kind: 'stop' }],
    ['cancel', '/agent Cancel', { kind: 'stop' }],
    ['stop as instructions', '/agent stop using var', run('stop using var')],
    // agents
    ['agent word', '/agent codex', named('', 'codex')],
    ['agent word, any case', '/agent Codex fix it', named('fix it', 'codex')],
    [
      'agent word with instructions',
      '/agent claude fix the off-by-one in the pager',
      named('fix the off-by-one in the pager', 'claude'),
    ],
    ['known agent not allowed', '/agent amp fix it', { kind: 'unknown-agent', name: 'amp' }],
    ['not an agent: instructions', '/agent fix the off-by-one', run('fix the off-by-one')],
    ['agent-like word', '/agent codexy fix', run('codexy fix')],
    ['agent word only on the first line', '/agent\ncodex fix it', run('codex fix it')],
    // model
    ['model after agent', '/agent codex --model gpt-5-codex add tests', named('add tests', 'codex', 'gpt-5-codex')],
    [
      'model with =',
      '/agent claude --model=claude-opus-4-1 add tests',
      named('add tests', 'claude', 'claude-opus-4-1'),
    ],
    ['model after command', '/agent --model opus add tests', run('add tests', 'claude', 'opus')],
    [
      'model with path and brackets',
      '/agent --model openrouter/anthropic/sonnet[1m]',
      run('', 'claude', 'openrouter/anthropic/sonnet[1m]'),
    ],
    ['model flag any case', '/agent --MODEL opus', run('', 'claude', 'opus')],
    ['model later is instructions', '/agent fix it --model opus', run('fix it --model opus')],
    ['model without value', '/agent --model', run('--model')],
    ['model with empty =', '/agent --model= fix', run('--model= fix')],
    ['model value on the next line', '/agent --model\nopus', run('--model\nopus')],
    ['model with shell characters', '/agent --model $(rm) fix', run('--model $(rm) fix')],
    // instructions
    [
      'multi-line instructions',
      '/agent codex fix the pager\n\nIt skips the last page.\n',
      named('fix the pager\n\nIt skips the last page.', 'codex'),
    ],
    ['instructions only on later lines', '/agent\nPlease add tests.', run('Please add tests.')],
    ['tab separator', '/agent\tcodex\tfix', named('fix', 'codex')],
  ])('%s', (_name, body, expected) => {
    expect(parseCommand(body, config)).toEqual(expected);
  });

  it('uses the configured command', () => {
    const custom = { ...config, command: '/Bot' };
    expect(parseCommand('/bot codex go', custom)).toEqual(named('go', 'codex'));
    expect(parseCommand('/agent codex go', custom)).toBeNull();
  });
});
