import { afterEach, describe, expect, it } from 'vitest';
import { openclawDriver } from '../../src/agents/openclaw.js';
import { openWorkspace, type CliWorkspace } from './harness.js';
import { FILE, SUMMARY, TEST_KEY } from './scenarios.js';

/**
 * The real, pinned OpenClaw CLI (on the Node 26 the installer puts beside it) against the fake
 * Anthropic Messages API, through runAgent. OpenClaw starts slowly (about 10 s a run).
 */

const PROMPT = 'List the files, then create hello.txt saying hello.\n';
let ws: CliWorkspace | undefined;
afterEach(async () => {
  await ws?.close();
  ws = undefined;
});

// Real CLIs on a busy machine (OpenClaw alone takes 10 to 50 s a run).
describe('openclaw CLI contract', { timeout: 240_000 }, () => {
  it('writes a file with its own write tool through ANTHROPIC_BASE_URL and ends with a successful result', async () => {
    ws = await openWorkspace('openclaw', 'ok');
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
    ws = await openWorkspace('openclaw', 'ok');
    const first = await ws.run(PROMPT);
    const second = await ws.run('Now say bye.\n', { resumeSessionId: first.result.sessionId });
    expect(second.result.ok).toBe(true);
    expect(second.result.sessionId).toBe(first.result.sessionId);
    const last = JSON.stringify(ws.scenario.conversation().at(-1)?.body);
    expect(last).toContain('List the files, then create hello.txt');
    expect(last).toContain('Now say bye.');
  });

  it('ends a 401 from the model API as a failed result carrying the CLI message', async () => {
    ws = await openWorkspace('openclaw', '401');
    const { result, file } = await ws.run(PROMPT);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/authentication failed, HTTP 401/);
    expect(file).toBeUndefined();
  });
});
