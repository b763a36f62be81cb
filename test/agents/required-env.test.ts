import { describe, expect, it } from 'vitest';
import { availableAgents, cannotRun, drivers, missingEnv, runModel } from '../../src/agents/index.js';
import { openclawDriver } from '../../src/agents/openclaw.js';
import { opencodeDriver, resolveModel } from '../../src/agents/opencode.js';
import { AGENT_NAMES, type AgentName } from '../../src/agents/types.js';

/**
 * The keys an agent needs depend on the model it will run: checked when triggered (a reply
 * naming the variable) and for the agents `/agent help` offers, before any sandbox starts.
 */

const MODELS = [
  undefined,
  'claude-sonnet-4-6',
  'gpt-5',
  'o3',
  'codex-mini',
  'fake-coder',
  'anthropic/claude-sonnet-4-6',
  'openai/gpt-5',
  'gateway/fake-coder',
];
const VARIABLES = [
  'ANTHROPIC_API_KEY',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'ANTHROPIC_BASE_URL',
  'CODEX_API_KEY',
  'AMP_API_KEY',
];

/** Every combination of the variables set (to "v") or not. */
function everyEnv(names: readonly string[]): Record<string, string>[] {
  return names.reduce<Record<string, string>[]>(
    (envs, name) => envs.flatMap((env) => [env, { ...env, [name]: 'v' }]),
    [{}],
  );
}

describe('requiredEnv', () => {
  it('names only variables the driver passes into the sandbox, for every model and env', () => {
    for (const name of AGENT_NAMES) {
      const driver = drivers[name]!;
      for (const model of MODELS) {
        for (const env of everyEnv(['OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL'])) {
          for (const anyOf of driver.requiredEnv(model, env))
            for (const v of anyOf) expect(driver.passEnv, `${name} ${model}`).toContain(v);
        }
      }
    }
  });

  it('OpenCode: the key of the provider the model resolves to, no other', () => {
    const keyOf: Record<string, string[]> = {
      anthropic: ['ANTHROPIC_API_KEY'],
      openai: ['OPENAI_API_KEY'],
      gateway: ['OPENAI_API_KEY', 'OPENAI_BASE_URL'],
    };
    for (const model of MODELS.filter((m) => m !== undefined)) {
      for (const env of everyEnv(['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'OPENAI_BASE_URL'])) {
        const provider = resolveModel(model, env)!.split('/')[0]!;
        // Runnable exactly when what the resolved provider needs is set.
        const runnable = keyOf[provider]!.every((v) => env[v]);
        expect(
          missingEnv(opencodeDriver, model, env) === undefined,
          `${model} with ${Object.keys(env).join(',') || 'nothing'} -> ${provider}`,
        ).toBe(runnable);
      }
    }
  });

  it('OpenCode: the variables named for each kind of model', () => {
    const cases: Array<[string | undefined, Record<string, string>, string[][]]> = [
      [undefined, {}, [['ANTHROPIC_API_KEY', 'OPENAI_API_KEY']]],
      ['anthropic/claude-sonnet-4-6', {}, [['ANTHROPIC_API_KEY']]],
      ['claude-sonnet-4-6', {}, [['ANTHROPIC_API_KEY']]],
      ['openai/gpt-5', {}, [['OPENAI_API_KEY']]],
      ['gpt-5', {}, [['OPENAI_API_KEY']]],
      ['gateway/fake-coder', {}, [['OPENAI_API_KEY'], ['OPENAI_BASE_URL']]],
      ['fake-coder', {}, [['ANTHROPIC_API_KEY', 'OPENAI_API_KEY']]],
      // With a gateway a bare name goes there when OPENAI_API_KEY is set.
      ['claude-sonnet-4-6', { OPENAI_BASE_URL: 'http://gw' }, [['ANTHROPIC_API_KEY', 'OPENAI_API_KEY']]],
      ['gpt-5', { OPENAI_BASE_URL: 'http://gw' }, [['OPENAI_API_KEY']]],
    ];
    for (const [model, env, required] of cases)
      expect(opencodeDriver.requiredEnv(model, env), String(model)).toEqual(required);
  });

  it('OpenClaw: Anthropic models only; another provider is refused, naming why', () => {
    for (const model of [undefined, 'claude-sonnet-4-6', 'anthropic/claude-opus-4-1']) {
      expect(cannotRun('openclaw', model, { ANTHROPIC_API_KEY: 'k' })).toBeUndefined();
    }
    for (const model of ['claude-sonnet-4-6', 'anthropic/claude-opus-4-1'])
      expect(openclawDriver.unsupportedModel?.(model)).toBeUndefined();
    // An OpenAI key would not help: it never enters OpenClaw's sandbox.
    const reason = cannotRun('openclaw', 'openai/gpt-5', { ANTHROPIC_API_KEY: 'k', OPENAI_API_KEY: 'k' });
    expect(reason).toMatch(
      /^OpenClaw runs only Anthropic models here .*`ANTHROPIC_API_KEY`.*a model of the `openai` provider could not authenticate/,
    );
    expect(openclawDriver.passEnv).not.toContain('OPENAI_API_KEY');
  });
});

describe('cannotRun and availableAgents', () => {
  it('name the missing variables of the model that will run', () => {
    expect(cannotRun('codex', undefined, { ANTHROPIC_API_KEY: 'k' })).toBe(
      'the app has no `CODEX_API_KEY` or `OPENAI_API_KEY` set. Ask whoever runs this app to set it.',
    );
    expect(cannotRun('opencode', 'openai/gpt-5', { ANTHROPIC_API_KEY: 'k' })).toMatch(
      /^the app has no `OPENAI_API_KEY` set\./,
    );
    expect(cannotRun('opencode', 'anthropic/claude-sonnet-4-6', { OPENAI_API_KEY: 'k' })).toMatch(
      /^the app has no `ANTHROPIC_API_KEY` set\./,
    );
    expect(cannotRun('opencode', 'openai/gpt-5', { OPENAI_API_KEY: 'k' })).toBeUndefined();
    // Empty counts as unset.
    expect(cannotRun('amp', undefined, { AMP_API_KEY: '' })).toMatch(/^the app has no `AMP_API_KEY` set\./);
  });

  it('lists exactly the agents whose (configured) model can run with the env', () => {
    const env = { ANTHROPIC_API_KEY: 'k', CODEX_API_KEY: 'k' };
    expect(availableAgents(env)).toEqual<AgentName[]>(['claude', 'codex', 'opencode', 'openclaw']);
    expect(availableAgents(env, { opencode: 'openai/gpt-5', openclaw: 'openai/gpt-5' })).toEqual<AgentName[]>([
      'claude',
      'codex',
    ]);
    expect(availableAgents({ OPENAI_API_KEY: 'k', AMP_API_KEY: 'k' })).toEqual<AgentName[]>([
      'codex',
      'amp',
      'opencode',
    ]);
    expect(availableAgents({ OPENAI_API_KEY: 'k' }, { opencode: 'claude-sonnet-4-6' })).toEqual<AgentName[]>(['codex']);
    for (const env of everyEnv(VARIABLES)) {
      expect(availableAgents(env)).toEqual(AGENT_NAMES.filter((a) => cannotRun(a, undefined, env) === undefined));
    }
  });
});

describe('runModel', () => {
  it('is the `--model` of the trigger, else the repository setting for the agent, else the default', () => {
    const config = { model: { claude: 'claude-sonnet-4-5' } };
    expect(runModel({ agent: 'claude', model: 'claude-opus-4-1', config })).toBe('claude-opus-4-1');
    expect(runModel({ agent: 'claude', config })).toBe('claude-sonnet-4-5');
    expect(runModel({ agent: 'codex', config })).toBeUndefined();
  });
});
