import { describe, expect, it } from 'vitest';
import { codexDriver } from '../../src/agents/codex.js';
import type { FakeRequest } from '../fakes/openai-responses-server.js';
import { PROMPT, workspacePerTest, expectReadsInstructions } from './harness.js';
import { FILE, SUMMARY, TEST_KEY } from './scenarios.js';

/** The real, pinned Codex CLI against the fake OpenAI Responses API, through runAgent. */

const openWorkspace = workspacePerTest();

function text(request: FakeRequest | undefined): string {
  return JSON.stringify(request?.body ?? null);
}

// Real CLIs on a busy machine (OpenClaw alone takes 10 to 50 s a run).
describe('codex CLI contract', { timeout: 60_000 }, () => {
  it('writes a file with its own apply_patch tool and ends with a successful result', async () => {
    const ws = await openWorkspace('codex', 'ok');
    const { result, events, file, input } = await ws.run(PROMPT);
    expect(result).toMatchObject({ ok: true, summary: SUMMARY });
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.inputTokens).toBeGreaterThan(0);
    expect(file).toBe(FILE.content);
    expect(events).toContainEqual({ kind: 'tool', name: 'apply_patch', description: 'created hello.txt' });
    expect(events).toContainEqual({ kind: 'tool', name: 'shell', description: 'ran `ls -a`' });
    // It reached the model through the generated gateway provider, with the key from the env.
    const requests = ws.scenario.conversation();
    expect(requests.length).toBe(3);
    expect(requests[0]?.headers.authorization).toBe(`Bearer ${TEST_KEY}`);
    expect(text(requests[0])).toContain('List the files, then create hello.txt');
    // The key is in no generated file and not on the command line.
    for (const content of await ws.generatedFiles()) expect(content).not.toContain(TEST_KEY);
    expect(codexDriver.command(input)).not.toContain(TEST_KEY);
  });

  it('writes the file through its shell tool for a model name it does not know (as behind a gateway)', async () => {
    const ws = await openWorkspace('codex', 'ok', { model: 'gateway-model-x' });
    const { result, file } = await ws.run(PROMPT);
    expect(result).toMatchObject({ ok: true, summary: SUMMARY });
    expect(file).toBe(FILE.content);
    expect((ws.scenario.conversation()[0]?.body as { model?: string }).model).toBe('gateway-model-x');
  });

  it('resumes the thread: the second run sends the first conversation and keeps the thread id', async () => {
    const ws = await openWorkspace('codex', 'ok');
    const first = await ws.run(PROMPT);
    const second = await ws.run('Now say bye.\n', { resumeSessionId: first.result.sessionId });
    expect(second.result.ok).toBe(true);
    expect(second.result.sessionId).toBe(first.result.sessionId);
    const last = ws.scenario.conversation().at(-1);
    expect(text(last)).toContain('List the files, then create hello.txt');
    expect(text(last)).toContain('Now say bye.');
  });

  it('ends a 401 from the model API as a failed result carrying the CLI message', async () => {
    const ws = await openWorkspace('codex', '401');
    const { result, file } = await ws.run(PROMPT);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/401 Unauthorized: Incorrect API key provided/);
    expect(file).toBeUndefined();
  });
});

describe('codex CLI structured output (--output-schema)', { timeout: 60_000 }, () => {
  const output = { title: 'Add hello.txt', summary: 'Wrote hello.txt.', testing: 'None.', risks: 'None.', threads: [] };

  it('sends our schema to the model and takes the final message, the JSON object, as the structured result', async () => {
    const ws = await openWorkspace('codex', 'ok', { final: JSON.stringify(output) });
    const { result, file } = await ws.run(PROMPT, { structured: true });
    expect(file).toBe(FILE.content);
    expect(result).toMatchObject({ ok: true, structured: output, summary: 'Wrote hello.txt.' });
    // Codex passes the schema file as the response format of every model request.
    const format = (ws.scenario.conversation().at(-1)?.body as { text?: { format?: Record<string, unknown> } }).text
      ?.format;
    expect(format).toMatchObject({ type: 'json_schema', strict: true });
    expect(JSON.stringify(format?.schema)).toContain('"threads"');
  });
});

describe('codex CLI instruction files (what it reads by itself)', { timeout: 240_000 }, () => {
  it('of AGENTS.md, CLAUDE.md and the Copilot file reads only AGENTS.md, as instructionFiles says', async () => {
    await expectReadsInstructions(await openWorkspace('codex', 'ok'), 'codex', [
      'AGENTS.md',
      'CLAUDE.md',
      '.github/copilot-instructions.md',
    ]);
  });

  it('does not read CLAUDE.md alone, as instructionFiles says', async () => {
    await expectReadsInstructions(await openWorkspace('codex', 'ok'), 'codex', ['CLAUDE.md']);
  });
});

describe('codex CLI images (--image)', { timeout: 60_000 }, () => {
  it('sends each --image file to the model as an input image with the prompt', async () => {
    const ws = await openWorkspace('codex', 'ok');
    // A real 1x1 PNG: Codex decodes the image and leaves out one it cannot.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const image = `${ws.sandbox.home}/.issue-agent/images/image-1.png`;
    await ws.sandbox.writeFile(image, png);
    const { result } = await ws.run(PROMPT, { images: [image] });
    expect(result.ok).toBe(true);
    const first = JSON.stringify(ws.scenario.conversation()[0]?.body);
    expect(first).toContain('"type":"input_image"');
    expect(first).toContain('"image_url":"data:image/png;base64,');
    expect(first).not.toContain('could not be processed');
    expect(first).toContain('List the files, then create hello.txt');
  });
});
