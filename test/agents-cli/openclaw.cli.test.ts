import { describe, expect, it } from 'vitest';
import { openclawDriver } from '../../src/agents/openclaw.js';
import { expectSessionResumed, PROMPT, workspacePerTest, expectReadsInstructions } from './harness.js';
import { FILE, FINAL_WITH_JSON_BLOCK, STRUCTURED, SUMMARY, TEST_KEY } from './scenarios.js';

/**
 * The real, pinned OpenClaw CLI (on the Node 26 the installer puts beside it) against the fake
 * Anthropic Messages API, through runAgent. OpenClaw starts slowly (about 10 s a run).
 */

const openWorkspace = workspacePerTest();

// Real CLIs on a busy machine (OpenClaw alone takes 10 to 50 s a run).
describe('openclaw CLI contract', { timeout: 240_000 }, () => {
  it('writes a file with its own write tool through ANTHROPIC_BASE_URL and ends with a successful result', async () => {
    const ws = await openWorkspace('openclaw', 'ok');
    const { result, events, file, input } = await ws.run(PROMPT);
    expect(result).toMatchObject({ ok: true, summary: SUMMARY, turns: 3 });
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(file).toBe(FILE.content);
    expect(events).toContainEqual({ kind: 'tool', name: 'write', description: 'used write' });
    const requests = ws.scenario.conversation();
    expect(requests.length).toBe(3);
    expect(requests[0]?.headers['x-api-key']).toBe(TEST_KEY);
    expect((requests[0]?.body as { model?: string }).model).toBe('claude-fake');
    for (const content of await ws.generatedFiles()) expect(content).not.toContain(TEST_KEY);
    expect(openclawDriver.command(input)).not.toContain(TEST_KEY);
  });

  it('resumes the session: the second run sends the first conversation and keeps the session id', async () => {
    await expectSessionResumed(await openWorkspace('openclaw', 'ok'));
  });

  it('ends a 401 from the model API as a failed result carrying the CLI message', async () => {
    const ws = await openWorkspace('openclaw', '401');
    const { result, file } = await ws.run(PROMPT);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/authentication failed, HTTP 401/);
    expect(file).toBeUndefined();
  });
});

describe('openclaw CLI structured output (a JSON block in the final message)', { timeout: 120_000 }, () => {
  it('takes the JSON block of the final message as the structured result and keeps the text before it', async () => {
    const ws = await openWorkspace('openclaw', 'ok', { final: FINAL_WITH_JSON_BLOCK });
    const { result, file } = await ws.run(PROMPT, { structured: true });
    expect(file).toBe(FILE.content);
    expect(result).toMatchObject({ ok: true, structured: STRUCTURED, summary: STRUCTURED.summary });
    expect(result.structuredError).toBeUndefined();
  });
});

describe('openclaw CLI instruction files (what it reads by itself)', { timeout: 240_000 }, () => {
  it('of AGENTS.md, CLAUDE.md and the Copilot file reads only AGENTS.md, as instructionFiles says', async () => {
    await expectReadsInstructions(await openWorkspace('openclaw', 'ok'), 'openclaw', [
      'AGENTS.md',
      'CLAUDE.md',
      '.github/copilot-instructions.md',
    ]);
  });

  it('does not read CLAUDE.md alone, as instructionFiles says', async () => {
    await expectReadsInstructions(await openWorkspace('openclaw', 'ok'), 'openclaw', ['CLAUDE.md']);
  });
});
