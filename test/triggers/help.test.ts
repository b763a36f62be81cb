import { describe, expect, it } from 'vitest';
import type { AgentName } from '../../src/agents/types.js';
import { defaultRepoConfig } from '../../src/config/repo-config.js';
import { helpText, unknownAgentText, usableAgents } from '../../src/triggers/help.js';

const config = { ...defaultRepoConfig(), agents: ['claude', 'codex', 'amp'] as AgentName[] };

describe('usableAgents', () => {
  it.each<[AgentName[], AgentName[], AgentName[]]>([
    [
      ['claude', 'codex', 'amp'],
      ['claude', 'codex', 'amp', 'opencode'],
      ['claude', 'codex', 'amp'],
    ],
    [['claude', 'codex', 'amp'], ['codex'], ['codex']],
    [['claude'], ['codex'], []],
  ])('%j ∩ %j', (agents, available, expected) => {
    expect(usableAgents({ agents }, available)).toEqual(expected);
  });
});

describe('helpText', () => {
  it('documents compare and pick with an example of two usable agents, unless compare is off', () => {
    const text = helpText(config, ['claude', 'codex']);
    expect(text).toContain(
      '| `/agent compare <agent>,<agent>[,...] [--model <agent>=<model>] [instructions]` | Run up to 3 agents side by side, e.g. `/agent compare claude,codex`',
    );
    expect(text).toContain(
      'verify passed > fewer failing verify commands > fewer changed lines > lower cost > shorter duration',
    );
    expect(text).toContain(
      "| `/agent pick <agent>` | After a compare: make that agent's result the pull request's content",
    );
    expect(text).toContain('`agent:compare` compares up to 3 of the agents below.');
    const chosen = helpText({ ...config, compare: { ...config.compare, agents: ['codex', 'claude'] } }, ['claude']);
    expect(chosen).toContain('`agent:compare` compares `codex`, `claude`.');
    const off = helpText({ ...config, compare: { ...config.compare, max: 0 } }, ['claude', 'codex']);
    expect(off).not.toContain('compare');
    expect(off).not.toContain('/agent pick');
  });

  it('warns when agents get the keys themselves (no broker), and only then', () => {
    expect(helpText(config, ['claude'], false)).toContain(
      '⚠️ This app has no `PUBLIC_URL`, so sandboxes cannot reach it: agents get the model keys',
    );
    expect(helpText(config, ['claude'], true)).not.toContain('PUBLIC_URL');
  });

  it('lists the command forms, the label forms and the usable agents', () => {
    const text = helpText(config, ['claude', 'codex', 'opencode']);
    for (const form of [
      '`/agent`',
      '`/agent <instructions>`',
      '`/agent <agent> [instructions]`',
      '--model <model>',
      '`/agent stop`',
      '`/agent doctor`',
      '`/agent doctor --setup`',
      '`/agent help`',
    ]) {
      expect(text).toContain(form);
    }
    expect(text).toContain('`agent:<agent>`');
    expect(text).toContain('`agent:codex`');
    expect(text).toContain('**Agents:** `claude`, `codex`.');
    expect(text).not.toContain('`amp`'); // allowed but not available
    expect(text).not.toContain('opencode'); // available but not allowed
    expect(text).toContain('`write` role or higher');
  });

  it('uses the configured command and label', () => {
    const text = helpText({ ...config, command: '/bot', label: 'robot' }, ['claude']);
    expect(text).toContain('`/bot help`');
    expect(text).toContain('`robot:<agent>`');
    expect(text).not.toContain('/agent');
  });

  it.each<[string, AgentName[], string]>([
    [
      'default agent unavailable',
      ['codex'],
      '**Agents:** `codex`. The default agent `claude` is not available on this installation.',
    ],
    ['no agent usable', ['opencode'], '**Agents:** none can run here'],
  ])('says when the %s', (_name, available, expected) => {
    expect(helpText(config, available)).toContain(expected);
  });
});

describe('unknownAgentText', () => {
  it.each<[string, AgentName[], string]>([
    [
      'gpt',
      ['claude', 'codex'],
      '`gpt` is not an agent that can run in this repository. Agents you can use: `claude`, `codex`.',
    ],
    ['amp', [], '`amp` is not an agent that can run in this repository. Agents you can use: none.'],
    [
      '@octocat`x',
      ['claude'],
      '``@octocat`x`` is not an agent that can run in this repository. Agents you can use: `claude`.',
    ],
  ])('%j', (name, allowed, expected) => {
    expect(unknownAgentText(name, allowed)).toBe(expected);
  });
});
