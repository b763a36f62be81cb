import { describe, expect, it } from 'vitest';
import {
  finishOpencode,
  opencodeConfig,
  opencodeDriver,
  parseOpencodeLine,
  resolveModel,
} from '../../src/agents/opencode.js';
import type { AgentInput } from '../../src/agents/types.js';
import { fixture, foldOutput, recordedCwd, toolDescriptions } from './fold-output.js';

const input: AgentInput = {
  cwd: '/home/user/repo',
  promptFile: '/home/user/prompt.md',
  stateDir: '/home/user/.agent-state',
};
const KEY = 'sk-secret-value-123';

describe('opencode driver: parsing recorded output of opencode 1.18.33', () => {
  it('folds a successful run: summary from the last step, tokens summed over steps, session id', () => {
    const stdout = fixture('opencode', 'success.stdout');
    const { events, result } = foldOutput(opencodeDriver, stdout, 0, '', recordedCwd(stdout));
    expect(result).toMatchObject({ ok: true, summary: 'I wrote hello.txt.', turns: 3, costUsd: 0 });
    expect(result.sessionId).toMatch(/^ses_/);
    expect(result.inputTokens).toBeGreaterThan(20000);
    expect(result.outputTokens).toBeGreaterThan(0);
    expect(toolDescriptions(events)).toEqual(['ran `ls -a`', 'wrote hello.txt']);
  });

  it('folds a 401 into a failed run with the provider message', () => {
    const { result } = foldOutput(
      opencodeDriver,
      fixture('opencode', 'error-401.stdout'),
      1,
      fixture('opencode', 'error-401.stderr'),
    );
    expect(result.ok).toBe(false);
    expect(result.error).toBe('Incorrect API key provided. (HTTP 401)');
  });

  it('is not a success when the run ends without a stop step, even with exit 0', () => {
    const [first] = finishOpencode(fixture('opencode', 'success.stdout').split('\n').slice(0, 3).join('\n'), 0, '');
    expect(first).toMatchObject({ kind: 'result', ok: false, error: 'OpenCode ended without a final answer' });
  });

  it('takes the reason from stderr when opencode dies without an event', () => {
    const [first] = finishOpencode('', 1, 'Error: Model not found: anthropic/claude-nope\n');
    expect(first).toMatchObject({ ok: false, error: 'Error: Model not found: anthropic/claude-nope' });
  });

  it('describes tools shortly, and failed ones as failed', () => {
    const tool = (tool: string, state: object) =>
      JSON.stringify({ type: 'tool_use', part: { type: 'tool', tool, state } });
    expect(
      parseOpencodeLine(tool('edit', { status: 'completed', input: { filePath: '/w/repo/src/a.ts' } }), {
        cwd: '/w/repo',
      }),
    ).toEqual([{ kind: 'tool', name: 'edit', description: 'edited src/a.ts' }]);
    expect(parseOpencodeLine(tool('bash', { status: 'error', input: { command: 'npm test' } }))).toEqual([
      { kind: 'tool', name: 'bash', description: 'ran `npm test` (failed)' },
    ]);
    expect(
      parseOpencodeLine(
        tool('apply_patch', {
          status: 'completed',
          input: { patchText: '*** Begin Patch\n*** Add File: a.txt\n+x\n*** Update File: b.txt\n*** End Patch' },
        }),
      ),
    ).toEqual([{ kind: 'tool', name: 'apply_patch', description: 'patched a.txt, b.txt' }]);
    expect(parseOpencodeLine('not json')).toEqual([]);
  });
});

describe('opencode driver: command, env and config', () => {
  it('runs opencode run headless, with the prompt file as stdin', () => {
    expect(opencodeDriver.command(input)).toBe(
      'opencode run --format json --auto --dir /home/user/repo < /home/user/prompt.md',
    );
    expect(opencodeDriver.command({ ...input, resumeSessionId: 'ses_abc' })).toBe(
      'opencode run --format json --auto --dir /home/user/repo --session ses_abc < /home/user/prompt.md',
    );
  });

  it('routes a bare model name to the gateway when OPENAI_BASE_URL is set, else by its name or key', () => {
    expect(resolveModel('fake-coder', { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: 'http://gw/v1' })).toBe(
      'gateway/fake-coder',
    );
    expect(resolveModel('claude-sonnet-4-6', { ANTHROPIC_API_KEY: KEY, OPENAI_API_KEY: KEY })).toBe(
      'anthropic/claude-sonnet-4-6',
    );
    expect(resolveModel('gpt-5.5', { ANTHROPIC_API_KEY: KEY, OPENAI_API_KEY: KEY })).toBe('openai/gpt-5.5');
    expect(resolveModel('kimi-k3', { ANTHROPIC_API_KEY: KEY })).toBe('anthropic/kimi-k3');
    expect(resolveModel('openrouter/x/y', {})).toBe('openrouter/x/y');
    expect(resolveModel(undefined, { ANTHROPIC_API_KEY: KEY })).toBeUndefined();
  });

  it('generates an OpenAI-compatible gateway provider that names the key variable, never the key', () => {
    const passed = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: 'https://gw.example.com/v1/' };
    const env = opencodeDriver.env({ ...input, model: 'fake-coder' }, passed);
    expect(env).toMatchObject({
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_SHARE: '1',
      OPENCODE_DISABLE_MODELS_FETCH: '1',
    });
    expect(env.OPENCODE_CONFIG_CONTENT).not.toContain(KEY);
    expect(JSON.parse(env.OPENCODE_CONFIG_CONTENT ?? '{}')).toEqual({
      $schema: 'https://opencode.ai/config.json',
      share: 'disabled',
      autoupdate: false,
      model: 'gateway/fake-coder',
      provider: {
        gateway: {
          npm: '@ai-sdk/openai-compatible',
          name: 'LLM gateway (OPENAI_BASE_URL)',
          options: { baseURL: 'https://gw.example.com/v1', apiKey: '{env:OPENAI_API_KEY}' },
          models: { 'fake-coder': { name: 'fake-coder' } },
        },
        openai: { options: { baseURL: 'https://gw.example.com/v1' } },
      },
    });
    expect(opencodeDriver.files(input, passed)).toEqual([]);
  });

  it('points the Anthropic provider at ANTHROPIC_BASE_URL (with /v1, as the AI SDK wants it)', () => {
    const config = opencodeConfig(
      { model: 'claude-sonnet-4-6' },
      { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: 'https://gw.example.com/anthropic/' },
    );
    expect(config.provider).toEqual({ anthropic: { options: { baseURL: 'https://gw.example.com/anthropic/v1' } } });
    expect(config.model).toBe('anthropic/claude-sonnet-4-6');
  });

  it('leaves the model to OpenCode when none is chosen, and passes only provider keys and base URLs', () => {
    expect(opencodeConfig({}, { ANTHROPIC_API_KEY: KEY })).toEqual({
      $schema: 'https://opencode.ai/config.json',
      share: 'disabled',
      autoupdate: false,
    });
    expect(opencodeDriver.requiredEnv(undefined, {})).toEqual([['ANTHROPIC_API_KEY', 'OPENAI_API_KEY']]);
    expect([...opencodeDriver.passEnv].sort()).toEqual([
      'ANTHROPIC_API_KEY',
      'ANTHROPIC_BASE_URL',
      'OPENAI_API_KEY',
      'OPENAI_BASE_URL',
    ]);
  });
});
