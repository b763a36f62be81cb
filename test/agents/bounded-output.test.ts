import { afterEach, describe, expect, it } from 'vitest';
import { claudeDriver } from '../../src/agents/claude.js';
import { finishOpenclaw } from '../../src/agents/openclaw.js';
import {
  FINISH_STDOUT_BYTES,
  LineSplitter,
  MAX_LINE_CHARS,
  reattachAgent,
  runAgent,
} from '../../src/agents/run-agent.js';
import type { AgentDriver, AgentInput } from '../../src/agents/types.js';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import { OUTPUT_TAIL_BYTES, TailBuffer } from '../../src/sandbox/tail.js';
import type { RunOptions, Sandbox } from '../../src/sandbox/types.js';
import { claudeLines } from '../app/harness.js';

/** An agent's output is streamed through the app, never kept whole, and no line can stall it. */

function split(chunks: string[], maxChars = 10) {
  const lines: string[] = [];
  const splitter = new LineSplitter(maxChars, (l) => lines.push(l));
  for (const c of chunks) splitter.push(c);
  splitter.end();
  return { lines, dropped: splitter.dropped };
}

describe('LineSplitter', () => {
  it('cuts lines across chunks, strips a trailing \\r and gives the last line without a newline', () => {
    expect(split(['a', 'b\nc', 'd\r\n\n', 'e\nf'])).toEqual({ lines: ['ab', 'cd', '', 'e', 'f'], dropped: 0 });
  });

  it('drops and counts a line longer than the limit, whatever chunks it comes in; the next line is whole', () => {
    expect(split(['0123456789\n', '0123456789X\n', 'ok\n'])).toEqual({ lines: ['0123456789', 'ok'], dropped: 1 });
    expect(split(['01234', '56789', 'X', 'YZ', '\nok'])).toEqual({ lines: ['ok'], dropped: 1 });
    expect(split(['0123456789\r\n'])).toEqual({ lines: ['0123456789'], dropped: 0 });
    expect(split(['0123456789', 'ABC'])).toEqual({ lines: [], dropped: 1 });
  });

  it('takes a 64 MB line without a newline in linear time (it used to take tens of seconds)', () => {
    const chunk = 'a'.repeat(64 * 1024);
    const lines: string[] = [];
    const splitter = new LineSplitter(MAX_LINE_CHARS, (l) => lines.push(l));
    const started = process.cpuUsage();
    for (let i = 0; i < 1024; i++) splitter.push(chunk);
    splitter.push('\n{"type":"result"}\n');
    splitter.end();
    const cpu = process.cpuUsage(started);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(1000);
    expect(lines).toEqual(['{"type":"result"}']);
    expect(splitter.dropped).toBe(1);
  });
});

describe('TailBuffer', () => {
  it('keeps the last characters and counts them all, also from many small chunks', () => {
    const tail = new TailBuffer(5);
    for (const c of 'abcdefghijklmnopqrstuvwxyz'.repeat(200)) tail.push(c);
    expect(tail.text()).toBe('vwxyz');
    expect(tail.total).toBe(26 * 200);
    expect(tail.truncated).toBe(true);
    tail.push('12');
    expect(tail.text()).toBe('xyz12');
  });

  it('keeps bytes of UTF-8 across the wrap, and the end of a chunk larger than itself', () => {
    const tail = new TailBuffer(8);
    tail.push('héllo');
    tail.push('wörld');
    expect(tail.text()).toBe('lowörld');
    expect(tail.total).toBe(10);
    tail.push('0123456789abcdef');
    expect(tail.text()).toBe('89abcdef');
    expect(tail.total).toBe(26);
  });
});

/** A sandbox whose command streams `chunks` of stdout and returns only a tail, like a real provider asked for one. */
function streamingSandbox(chunks: () => Iterable<string>): Sandbox & { options: RunOptions[] } {
  const options: RunOptions[] = [];
  return {
    id: 'streaming',
    home: '/home/user',
    options,
    run(_cmd: string, opts: RunOptions = {}) {
      options.push(opts);
      let total = 0;
      for (const c of chunks()) {
        total += c.length;
        opts.onStdout?.(c);
      }
      return Promise.resolve({ exitCode: 0, stdout: '', stderr: '', stdoutChars: total, stderrChars: 0 });
    },
    readFile: () => Promise.resolve(new Uint8Array()),
    writeFile: () => Promise.resolve(),
    setTimeout: () => Promise.resolve(),
    pause: () => Promise.resolve(),
    kill: () => Promise.resolve(),
  };
}

const input: AgentInput = { cwd: '/home/user/repo', promptFile: '/home/user/p.md', stateDir: '/home/user/s' };

describe('runAgent output bounds', () => {
  it('asks the provider for a tail only, parses the lines around an overlong one and reports it', async () => {
    const [init, write, result] = claudeLines('Done.', { structured: false });
    const sandbox = streamingSandbox(function* () {
      yield `${init}\n`;
      for (let i = 0; i < 40; i++) yield 'x'.repeat(64 * 1024); // 2.5 MB on one line
      yield `\n${write}\n${result}\n`;
    });
    const outcome = await runAgent(sandbox, claudeDriver, input, { env: {} });
    expect(sandbox.options[0]?.keepOutput).toBe('tail');
    expect(outcome).toMatchObject({ ok: true, summary: 'Done.', sessionId: 'sess-123', costUsd: 0.0421 });
    expect(outcome.output.longLines).toBe(1);
    expect(outcome.output.stdoutChars).toBeGreaterThan(40 * 64 * 1024);
  });

  it("gives finish the output's last 16 MB from a line start, marked truncated, when there was more", async () => {
    const seen: Array<{ length: number; first: string; truncated?: boolean }> = [];
    const driver: AgentDriver = {
      ...claudeDriver,
      parse: () => [],
      finish: (stdout, _exitCode, _stderr, output) => {
        seen.push({ length: stdout.length, first: stdout.slice(0, 5), truncated: output?.truncated });
        return [];
      },
    };
    const line = `${'y'.repeat(1000)}\n`;
    const sandbox = streamingSandbox(function* () {
      for (let i = 0; i < 20_000; i++) yield line; // 20 MB of lines
      yield 'last\n';
    });
    await runAgent(sandbox, driver, input, { env: {} });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.truncated).toBe(true);
    expect(seen[0]!.length).toBeLessThanOrEqual(FINISH_STDOUT_BYTES);
    expect(seen[0]!.length).toBeGreaterThan(FINISH_STDOUT_BYTES - 2000);
    expect(seen[0]!.first).toBe('yyyyy');
    expect((seen[0]!.length - 'last\n'.length) % line.length).toBe(0);

    const small = streamingSandbox(() => ['{"a":1}\n', 'end']);
    await runAgent(small, driver, input, { env: {} });
    expect(seen[1]).toEqual({ length: 11, first: '{"a":', truncated: false });
  });

  it('fails OpenClaw clearly when its result document did not fit in what finish gets', () => {
    expect(finishOpenclaw('  "x": 1\n}\n', 0, '', { truncated: true })).toEqual([
      {
        kind: 'result',
        ok: false,
        summary: '',
        error: 'OpenClaw printed more than 16 MB; its result document (the end of its output) could not be read',
      },
    ]);
  });
});

describe('output of a real command, through the local provider', () => {
  const sandboxes: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((s) => s.kill()));
  });
  const create = async (bin?: string) => {
    const sandbox = await new LocalSandboxProvider(bin ? { pathPrefix: [bin] } : {}).create({
      template: 't',
      metadata: {},
      timeoutMs: 60_000,
    });
    sandboxes.push(sandbox);
    return sandbox;
  };

  it("keeps only the end of stdout and stderr with keepOutput: 'tail', and says how long they were", async () => {
    const sandbox = await create();
    let streamed = 0;
    const result = await sandbox.run(
      'head -c 1000000 /dev/zero | tr "\\0" a; echo -n END; head -c 200000 /dev/zero >&2',
      {
        keepOutput: 'tail',
        onStdout: (c) => (streamed += c.length),
      },
    );
    expect(streamed).toBe(1_000_003);
    expect(result.stdout).toHaveLength(OUTPUT_TAIL_BYTES);
    expect(result.stdout.endsWith('aaaEND')).toBe(true);
    expect(result.stdoutChars).toBe(1_000_003);
    expect(result.stderr).toHaveLength(OUTPUT_TAIL_BYTES);
    expect(result.stderrChars).toBe(200_000);
    // The default keeps everything, as before.
    expect((await sandbox.run('head -c 100000 /dev/zero')).stdout).toHaveLength(100_000);
  });

  it('re-attaching reads the output file from where it streamed to, not whole', async () => {
    const sandbox = await create();
    const [init, write, result] = claudeLines('Picked up.', { structured: false });
    const dir = `${sandbox.home}/state`;
    // A run that already ended while nobody watched: a long line in the middle of its output.
    await sandbox.writeFile(`${dir}/agent.out`, `${init}\n${'z'.repeat(MAX_LINE_CHARS + 10)}\n${write}\n${result}\n`);
    await sandbox.writeFile(`${dir}/agent.err`, 'e'.repeat(OUTPUT_TAIL_BYTES * 2));
    await sandbox.writeFile(`${dir}/agent.exit`, '0\n');
    const outcome = await reattachAgent(sandbox, claudeDriver, { cwd: `${sandbox.home}/repo` }, { dir });
    expect(outcome).toMatchObject({ ok: true, summary: 'Picked up.', sessionId: 'sess-123', exitCode: 0 });
    expect(outcome.output.longLines).toBe(1);
  });
});
