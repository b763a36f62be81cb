import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeDriver } from '../../src/agents/claude.js';
import { AgentGoneError, reattachAgent, runAgent } from '../../src/agents/run-agent.js';
import type { AgentEvent, AgentInput } from '../../src/agents/types.js';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import { quote } from '../../src/sandbox/shell.js';
import type { Sandbox } from '../../src/sandbox/types.js';
import { claudeLines } from '../app/harness.js';

/**
 * A run handed over (the app shutting down, a lost lease) goes on in its sandbox; the next worker
 * re-attaches and sees its events as they come, then the whole result.
 */
describe('hand-over and re-attach', () => {
  const sandboxes: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((s) => s.kill()));
  });

  /**
   * A local sandbox with a repository, a prompt and the agent's state directory (where the
   * pipeline keeps the output), whose `claude` reads its prompt and then runs `script`.
   */
  async function sandboxWithStandIn(script: string[]): Promise<{ sandbox: Sandbox; input: AgentInput }> {
    const bin = mkdtempSync(join(tmpdir(), 'claude-bin-'));
    writeFileSync(join(bin, 'claude'), ['#!/bin/bash', 'cat > /dev/null', ...script].join('\n'), { mode: 0o755 });
    const sandbox = await new LocalSandboxProvider({ pathPrefix: [bin] }).create({
      template: 'claude',
      metadata: {},
      timeoutMs: 120_000,
    });
    sandboxes.push(sandbox);
    const input: AgentInput = {
      cwd: `${sandbox.home}/repo`,
      promptFile: `${sandbox.home}/prompt.md`,
      stateDir: `${sandbox.home}/.agent-state`,
    };
    await sandbox.writeFile(`${input.cwd}/README.md`, '# repo\n');
    await sandbox.writeFile(input.promptFile, 'Fix it.\n');
    await sandbox.writeFile(`${input.stateDir}/.keep`, '');
    return { sandbox, input };
  }

  it('the handed-over agent keeps running; re-attaching streams its events live and ends with its result', async () => {
    // init, then 1 s later its Write, then 3 s later the result.
    const [init, write, result] = claudeLines('Fixed it.', { structured: false });
    const say = (line: string) => `printf '%s\\n' ${quote(line)}`;
    const { sandbox, input } = await sandboxWithStandIn([say(init!), 'sleep 1', say(write!), 'sleep 3', say(result!)]);
    // As the pipeline does: the output is kept in the agent's state directory.
    const dir = input.stateDir;

    const handover = new AbortController();
    const first: AgentEvent[] = [];
    const running = runAgent(sandbox, claudeDriver, input, {
      env: { ANTHROPIC_API_KEY: 'sk-ant-test' },
      keepOutputIn: dir,
      handover: handover.signal,
      onEvent: (e) => first.push(e),
    });
    while (!first.some((e) => e.kind === 'session')) await new Promise((r) => setTimeout(r, 20));
    handover.abort(new Error('handed over'));
    await expect(running).rejects.toThrow('handed over');

    const started = Date.now();
    const seen: { event: AgentEvent; at: number }[] = [];
    const outcome = await reattachAgent(sandbox, claudeDriver, input, {
      dir,
      onEvent: (event) => seen.push({ event, at: Date.now() - started }),
    });
    const ended = Date.now() - started;
    // The Write came while the agent still ran (about 3 s before its end; tail may poll once a second), not all at the end.
    const wrote = seen.find((s) => s.event.kind === 'tool');
    expect(wrote?.event).toMatchObject({ kind: 'tool', description: expect.stringContaining('src/pager.ts') });
    expect(ended - wrote!.at).toBeGreaterThan(1_000);
    // Every line once: the session, the Write, the result.
    expect(seen.map((s) => s.event.kind).filter((k) => k === 'session' || k === 'tool' || k === 'result')).toEqual([
      'session',
      'tool',
      'result',
    ]);
    expect(outcome).toMatchObject({ ok: true, summary: 'Fixed it.', sessionId: 'sess-123', exitCode: 0 });
  });

  /** An agent that prints its session, then works for a minute; handed over once the session is out. */
  async function handedOverLongRun() {
    const [init] = claudeLines('Fixed it.');
    const { sandbox, input } = await sandboxWithStandIn([`printf '%s\\n' ${quote(init!)}`, 'sleep 60']);
    const handover = new AbortController();
    const seen: AgentEvent[] = [];
    const running = runAgent(sandbox, claudeDriver, input, {
      env: { ANTHROPIC_API_KEY: 'sk-ant-test' },
      keepOutputIn: input.stateDir,
      handover: handover.signal,
      onEvent: (e) => seen.push(e),
    });
    while (!seen.some((e) => e.kind === 'session')) await new Promise((r) => setTimeout(r, 20));
    handover.abort(new Error('handed over'));
    await expect(running).rejects.toThrow('handed over');
    return { sandbox, input, dir: input.stateDir };
  }

  it('an agent killed with everything else is reported gone within seconds, with the session it had started', async () => {
    const { sandbox, input, dir } = await handedOverLongRun();
    // What a machine restart does: the run's shell and the agent die together, no exit code written.
    const shell = readFileSync(join(dir, 'agent.pid'), 'utf8').split(' ')[0]!;
    const group = execFileSync('ps', ['-o', 'pgid=', '-p', shell], { encoding: 'utf8' }).trim();
    process.kill(-Number(group), 'SIGKILL');
    const started = Date.now();
    const gone = await reattachAgent(sandbox, claudeDriver, input, { dir }).catch((err: unknown) => err);
    expect(gone).toBeInstanceOf(AgentGoneError);
    expect((gone as AgentGoneError).sessionId).toBe('sess-123');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a re-attach that is aborted (the app shutting down) rejects: it is never read as a finished run', async () => {
    const { sandbox, input, dir } = await handedOverLongRun();
    const shutdown = new AbortController();
    setTimeout(() => shutdown.abort(new Error('shutting down')), 300);
    await expect(reattachAgent(sandbox, claudeDriver, input, { dir, signal: shutdown.signal })).rejects.toThrow();
  });
});
