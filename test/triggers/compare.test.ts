import { describe, expect, it } from 'vitest';
import type { AgentName } from '../../src/agents/types.js';
import { parseCommand } from '../../src/triggers/parse-command.js';
import { parseLabel } from '../../src/triggers/parse-label.js';
import { labelCompareAgents } from '../../src/triggers/compare.js';

const config = {
  command: '/agent',
  label: 'agent',
  agent: 'claude' as AgentName,
  agents: ['claude', 'codex', 'opencode', 'openclaw'] as AgentName[],
  compare: { max: 3, pick: 'auto' as const, keepBranches: false },
};
const invalid = (message: string | RegExp) => ({
  kind: 'invalid',
  message: typeof message === 'string' ? message : expect.stringMatching(message),
});

describe('/agent compare', () => {
  it.each([
    [
      'two agents',
      '/agent compare claude,codex',
      { kind: 'compare', agents: ['claude', 'codex'], models: {}, instructions: '' },
    ],
    [
      'instructions, on later lines too, and case',
      '/agent compare Claude,CODEX fix the pager\nkeep the API',
      { kind: 'compare', agents: ['claude', 'codex'], models: {}, instructions: 'fix the pager\nkeep the API' },
    ],
    [
      'a model per agent, both flag forms',
      '/agent compare claude,codex,opencode --model codex=gpt-5 --model=claude=claude-opus-4-1 go',
      {
        kind: 'compare',
        agents: ['claude', 'codex', 'opencode'],
        models: { codex: 'gpt-5', claude: 'claude-opus-4-1' },
        instructions: 'go',
      },
    ],
  ])('%s', (_name, body, expected) => {
    expect(parseCommand(body, config)).toEqual(expected);
  });

  it.each([
    ['fewer than two agents', '/agent compare claude', /at least two different agents.*1 named/],
    ['no agents at all', '/agent compare', /needs the agents to run\. Usage:/],
    ['an agent named twice', '/agent compare claude,codex,claude', '`claude` is named twice: name each agent once.'],
    [
      'an unknown agent',
      '/agent compare claude,gpt',
      /^`gpt` is not an agent that can run in this repository\. Agents you can use: `claude`, `codex`/,
    ],
    ['a disallowed agent', '/agent compare claude,amp', /^`amp` is not an agent that can run in this repository/],
    [
      'more than compare.max',
      '/agent compare claude,codex,opencode,openclaw',
      'At most 3 agents can be compared in this repository (`compare.max`); 4 named.',
    ],
    [
      '--model for an agent not compared',
      '/agent compare claude,codex --model opencode=x',
      /^`--model opencode=x` must name one of the compared agents/,
    ],
    [
      '--model without a model',
      '/agent compare claude,codex --model codex',
      /^`--model codex` must name one of the compared agents and a model/,
    ],
    [
      '--model with a model that is no name',
      '/agent compare claude,codex --model codex=$(x)',
      /must name one of the compared agents and a model/,
    ],
  ])('%s: one reply, no run', (_name, body, message) => {
    expect(parseCommand(body, config)).toEqual(invalid(message));
  });

  it('compare.max: 0 turns compare off', () => {
    expect(parseCommand('/agent compare claude,codex', { ...config, compare: { ...config.compare, max: 0 } })).toEqual(
      invalid('Comparing agents is turned off in this repository (`compare.max: 0` in `.github/issue-agent.yml`).'),
    );
  });

  it('`compare` followed by other words is the start of instructions', () => {
    expect(parseCommand('/agent compare both parsers and keep one', config)).toEqual({
      kind: 'run',
      agent: 'claude',
      instructions: 'compare both parsers and keep one',
    });
  });
});

describe('/agent pick', () => {
  it('names the agent whose result becomes the PR', () => {
    expect(parseCommand('/agent pick Codex', config)).toEqual({ kind: 'pick', agent: 'codex' });
    expect(parseCommand('/agent pick amp', config)).toEqual({ kind: 'unknown-agent', name: 'amp' });
  });

  it('`pick` followed by anything else is instructions', () => {
    expect(parseCommand('/agent pick the faster algorithm', config)).toMatchObject({ kind: 'run' });
    expect(parseCommand('/agent pick codex please', config)).toMatchObject({ kind: 'run' });
  });
});

describe('the `agent:compare` label', () => {
  it('asks the handler for the configured agents', () => {
    expect(parseLabel('agent:compare', config)).toEqual({ kind: 'compare', models: {}, instructions: '' });
  });

  it('compare.agents, else every usable agent up to compare.max', () => {
    expect(labelCompareAgents(config, ['claude', 'codex', 'opencode', 'openclaw'])).toEqual([
      'claude',
      'codex',
      'opencode',
    ]);
    expect(labelCompareAgents({ ...config, compare: { ...config.compare, agents: ['codex', 'claude'] } }, [])).toEqual([
      'codex',
      'claude',
    ]);
  });
});
