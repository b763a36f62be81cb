import { describe, expect, it } from 'vitest';
import { opencodeDriver } from '../../src/agents/opencode.js';
import { expectSessionResumed, PROMPT, workspacePerTest, expectReadsInstructions } from './harness.js';
import { FILE, FINAL_WITH_JSON_BLOCK, STRUCTURED, SUMMARY, TEST_KEY } from './scenarios.js';

/** The real, pinned OpenCode CLI against fake model APIs, through runAgent. */

const openWorkspace = workspacePerTest();

// Real CLIs on a busy machine (OpenClaw alone takes 10 to 50 s a run).
describe('opencode CLI contract', { timeout: 120_000 }, () => {
  it('writes a file with its own write tool through an OpenAI-compatible gateway and ends with a successful result', async () => {
    const ws = await openWorkspace('opencode', 'ok');
    const { result, events, file, input } = await ws.run(PROMPT);
    expect(result).toMatchObject({ ok: true, summary: SUMMARY, turns: 3 });
    expect(result.sessionId).toMatch(/^ses_/);
    expect(file).toBe(FILE.content);
    expect(events).toContainEqual({ kind: 'tool', name: 'write', description: 'wrote hello.txt' });
    expect(events).toContainEqual({ kind: 'tool', name: 'bash', description: 'ran `ls -a`' });
    const requests = ws.scenario.conversation();
    expect(requests.length).toBe(3);
    expect(requests[0]?.headers.authorization).toBe(`Bearer ${TEST_KEY}`);
    expect((requests[0]?.body as { model?: string }).model).toBe('fake-coder');
    expect(JSON.stringify(requests[0]?.body)).toContain('List the files, then create hello.txt');
    // The key is in no generated config (OPENCODE_CONFIG_CONTENT) and not on the command line.
    expect(JSON.stringify(opencodeDriver.env(input, ws.scenario.env))).not.toContain(TEST_KEY);
    expect(opencodeDriver.command(input)).not.toContain(TEST_KEY);
  });

  it('reaches an Anthropic model through ANTHROPIC_BASE_URL', async () => {
    const ws = await openWorkspace('opencode', 'ok', { anthropic: true });
    const { result, file } = await ws.run(PROMPT);
    expect(result).toMatchObject({ ok: true, summary: SUMMARY });
    expect(file).toBe(FILE.content);
    const first = ws.scenario.conversation()[0];
    expect(first?.headers['x-api-key']).toBe(TEST_KEY);
    expect((first?.body as { model?: string }).model).toBe('claude-sonnet-4-6');
  });

  it('resumes the session: the second run sends the first conversation and keeps the session id', async () => {
    await expectSessionResumed(await openWorkspace('opencode', 'ok'));
  });

  it('ends a 401 from the model API as a failed result carrying the CLI message', async () => {
    const ws = await openWorkspace('opencode', '401');
    const { result, file } = await ws.run(PROMPT);
    expect(result.ok).toBe(false);
    expect(result.error).toBe('Incorrect API key provided. (HTTP 401)');
    expect(file).toBeUndefined();
  });
});

describe('opencode CLI structured output (a JSON block in the final message)', { timeout: 120_000 }, () => {
  it('takes the JSON block of the final message as the structured result and keeps the text before it', async () => {
    const ws = await openWorkspace('opencode', 'ok', { final: FINAL_WITH_JSON_BLOCK });
    const { result, file } = await ws.run(PROMPT, { structured: true });
    expect(file).toBe(FILE.content);
    expect(result).toMatchObject({ ok: true, structured: STRUCTURED, summary: STRUCTURED.summary });
    expect(result.structuredError).toBeUndefined();
  });
});

describe('opencode CLI instruction files (what it reads by itself)', { timeout: 240_000 }, () => {
  it('of AGENTS.md, CLAUDE.md and the Copilot file reads only AGENTS.md, as instructionFiles says', async () => {
    await expectReadsInstructions(await openWorkspace('opencode', 'ok'), 'opencode', [
      'AGENTS.md',
      'CLAUDE.md',
      '.github/copilot-instructions.md',
    ]);
  });

  it('without AGENTS.md reads CLAUDE.md (not the Copilot file), as instructionFiles says', async () => {
    await expectReadsInstructions(await openWorkspace('opencode', 'ok'), 'opencode', [
      'CLAUDE.md',
      '.github/copilot-instructions.md',
    ]);
  });
});
