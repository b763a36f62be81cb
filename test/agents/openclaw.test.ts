import { describe, expect, it } from 'vitest';
import { finishOpenclaw, modelRef, openclawConfig, openclawDriver } from '../../src/agents/openclaw.js';
import type { AgentInput } from '../../src/agents/types.js';
import { fixture, foldOutput, toolDescriptions } from './fold-output.js';

const input: AgentInput = {
  cwd: '/home/user/repo',
  promptFile: '/home/user/prompt.md',
  stateDir: '/home/user/.agent-state',
};
const KEY = 'sk-ant-secret-value-123';

describe('openclaw driver: parsing recorded output of openclaw 2026.9.6', () => {
  it('folds the JSON document of a successful agent exec', () => {
    const { events, result } = foldOutput(openclawDriver, fixture('openclaw', 'success.stdout'), 0);
    expect(result).toMatchObject({
      ok: true,
      summary: 'I wrote hello.txt.',
      turns: 3,
      inputTokens: 28343,
      outputTokens: 73,
    });
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    // usage.cost.total is 0 for a model without a price: no cost is reported rather than $0.
    expect(result.costUsd).toBeUndefined();
    expect(toolDescriptions(events)).toEqual(['used exec', 'used write']);
  });

  it('folds a 401 into a failed run with the message OpenClaw printed', () => {
    const { result } = foldOutput(
      openclawDriver,
      fixture('openclaw', 'error-401.stdout'),
      1,
      fixture('openclaw', 'error-401.stderr'),
    );
    expect(result.ok).toBe(false);
    expect(result.error).toBe(
      '⚠️ anthropic/claude-fake request failed (authentication failed, HTTP 401). Re-authenticate the provider and try again.',
    );
  });

  it('gives no events per line: the output is one multi-line document', () => {
    expect(
      fixture('openclaw', 'success.stdout')
        .split('\n')
        .flatMap((l) => openclawDriver.parse(l)),
    ).toEqual([]);
  });

  it('reads the envelope of `openclaw agent --local --json` (the resume path)', () => {
    const doc = JSON.stringify({
      payloads: [{ text: 'Done again.', mediaUrl: null }],
      meta: {
        durationMs: 10,
        agentMeta: { sessionId: 'abc', usage: { input: 10, output: 2 }, assistantTurns: 1, costUsd: 0.5 },
        aborted: false,
      },
    });
    expect(finishOpenclaw(doc, 0, '').at(-1)).toEqual({
      kind: 'result',
      ok: true,
      summary: 'Done again.',
      sessionId: 'abc',
      costUsd: 0.5,
      turns: 1,
      inputTokens: 10,
      outputTokens: 2,
      error: undefined,
    });
    expect(
      finishOpenclaw('{"ok":false,"error":{"type":"cli_error","message":"workspace gone"}}', 1, '').at(-1),
    ).toMatchObject({ ok: false, error: 'workspace gone' });
  });

  it('takes the reason from stderr when there is no document, and finds one after stray stdout', () => {
    expect(finishOpenclaw('', 1, '[openclaw] Reason: config invalid\n')).toEqual([
      { kind: 'result', ok: false, summary: '', error: '[openclaw] Reason: config invalid' },
    ]);
    expect(finishOpenclaw(`warning: x\n${fixture('openclaw', 'success.stdout')}`, 0, '').at(-1)).toMatchObject({
      ok: true,
      summary: 'I wrote hello.txt.',
    });
    expect(finishOpenclaw('{"ok":false,"status":"timeout","final":""}', 2, '').at(-1)).toMatchObject({
      ok: false,
      error: 'OpenClaw timed out',
    });
  });
});

describe('openclaw driver: command, env and config', () => {
  it('runs agent exec in the repo with a pinned config and a kept state dir', () => {
    expect(openclawDriver.command({ ...input, model: 'claude-sonnet-4-6' })).toBe(
      'openclaw agent exec --cwd /home/user/repo --config /home/user/.agent-state/openclaw/openclaw.json --state-dir /home/user/.agent-state/openclaw/state --message-file /home/user/prompt.md --json --timeout 86400 --model anthropic/claude-sonnet-4-6',
    );
  });

  it('resumes a session with agent --local from the repo', () => {
    expect(openclawDriver.command({ ...input, resumeSessionId: 'abc-123' })).toBe(
      'cd /home/user/repo && openclaw agent --local --session-id abc-123 --message-file /home/user/prompt.md --json --timeout 86400 --model anthropic/claude-sonnet-4-6',
    );
    expect(openclawDriver.env(input, {})).toEqual({
      OPENCLAW_STATE_DIR: '/home/user/.agent-state/openclaw/state',
      OPENCLAW_CONFIG_PATH: '/home/user/.agent-state/openclaw/openclaw.json',
      NO_COLOR: '1',
    });
  });

  it('overrides the anthropic provider for ANTHROPIC_BASE_URL with ${ANTHROPIC_API_KEY}, never the key', () => {
    const passed = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: 'https://gw.example.com/' };
    const files = openclawDriver.files({ ...input, model: 'claude-fake' }, passed);
    expect(files.map((f) => f.path)).toEqual([
      '/home/user/.agent-state/openclaw/openclaw.json',
      '/home/user/.agent-state/openclaw/state/README',
    ]);
    for (const f of files) expect(f.content).not.toContain(KEY);
    const config = JSON.parse(files[0]?.content ?? '{}') as Record<string, unknown>;
    expect(config.models).toEqual({
      mode: 'merge',
      providers: {
        anthropic: {
          baseUrl: 'https://gw.example.com',
          apiKey: '${ANTHROPIC_API_KEY}',
          api: 'anthropic-messages',
          models: [{ id: 'claude-fake', name: 'claude-fake' }],
        },
      },
    });
    expect(config.agents).toEqual({
      defaults: { workspace: '/home/user/repo', skipBootstrap: true, sandbox: { mode: 'off' } },
    });
  });

  it('has no provider override without a base URL, and needs only ANTHROPIC_API_KEY', () => {
    expect(openclawConfig(input, { ANTHROPIC_API_KEY: KEY }).models).toBeUndefined();
    expect(modelRef('openai/gpt-6')).toBe('openai/gpt-6');
    // OpenClaw's own default is an OpenAI model, which the Anthropic key cannot reach.
    expect(modelRef(undefined)).toBe('anthropic/claude-sonnet-4-6');
    expect(openclawConfig(input, { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: 'http://gw' }).models).toMatchObject({
      providers: { anthropic: { models: [{ id: 'claude-sonnet-4-6', name: 'claude-sonnet-4-6' }] } },
    });
    expect(openclawDriver.requiredEnv(undefined, {})).toEqual([['ANTHROPIC_API_KEY']]);
    expect([...openclawDriver.passEnv].sort()).toEqual(['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL']);
  });
});
