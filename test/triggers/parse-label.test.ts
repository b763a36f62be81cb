import { describe, expect, it } from 'vitest';
import type { AgentName } from '../../src/agents/types.js';
import { parseLabel } from '../../src/triggers/parse-label.js';
import type { Trigger } from '../../src/triggers/types.js';

const config = { label: 'agent', agent: 'claude' as AgentName, agents: ['claude', 'codex'] as AgentName[] };

describe('parseLabel', () => {
  it.each<[string, Trigger | null]>([
    ['agent', { kind: 'run', agent: 'claude', instructions: '' }],
    ['Agent', { kind: 'run', agent: 'claude', instructions: '' }],
    ['agent:codex', { kind: 'run', agent: 'codex', instructions: '' }],
    ['AGENT:Codex', { kind: 'run', agent: 'codex', instructions: '' }],
    ['agent: codex', { kind: 'run', agent: 'codex', instructions: '' }],
    ['agent:amp', { kind: 'unknown-agent', name: 'amp' }],
    ['agent:gpt', { kind: 'unknown-agent', name: 'gpt' }],
    ['agent:', null],
    ['agents', null],
    ['agent-codex', null],
    ['bug', null],
    ['codex', null],
  ])('%j', (label, expected) => {
    expect(parseLabel(label, config)).toEqual(expected);
  });

  it('uses the configured label and default agent', () => {
    const custom = { label: 'Robot', agent: 'codex' as AgentName, agents: ['codex', 'claude'] as AgentName[] };
    expect(parseLabel('robot', custom)).toEqual({ kind: 'run', agent: 'codex', instructions: '' });
    expect(parseLabel('robot:claude', custom)).toEqual({ kind: 'run', agent: 'claude', instructions: '' });
    expect(parseLabel('agent', custom)).toBeNull();
  });
});
