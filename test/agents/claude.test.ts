import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeDriver, describeTool, parseClaudeLine } from '../../src/agents/claude.js';
import { availableAgents, getDriver } from '../../src/agents/index.js';
import { runAgent } from '../../src/agents/run-agent.js';
import type { AgentDriver, AgentEvent, AgentInput } from '../../src/agents/types.js';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import { command, quote } from '../../src/sandbox/shell.js';
import { CommandAbortedError, type Sandbox } from '../../src/sandbox/types.js';
import { fixture, foldOutput, toolDescriptions } from './fold-output.js';

/** Parser tests run on real stream-json of the pinned CLI (test/fixtures/agents/claude/README.md). */

const RECORDED_CWD = '/tmp/claude-rec/repo';
const input: AgentInput = {
  cwd: '/home/user/repo',
  promptFile: '/home/user/prompt.md',
  stateDir: '/home/user/.agent-state',
};

function parseAll(name: string, cwd?: string) {
  return fixture('claude', name)
    .split('\n')
    .flatMap((l) => parseClaudeLine(l, cwd ? { cwd } : undefined));
}

describe('claude parser on recorded output', () => {
  it('turns a successful run into session, messages, tool lines and a result', () => {
    const events = parseAll('success.jsonl', RECORDED_CWD);
    expect(events[0]).toEqual({
      kind: 'session',
      sessionId: 'd2ce042b-6bd7-4740-a087-b9e1196c515d',
      model: 'claude-opus-5-5',
    });
    expect(events.filter((e) => e.kind === 'message')).toEqual([
      { kind: 'message', text: 'I will add the file.' },
      { kind: 'message', text: 'Added src/hello.txt with a one-line greeting.' },
    ]);
    expect(toolDescriptions(events)).toEqual(['wrote src/hello.txt', 'ran `wc -l src/hello.txt`']);
    expect(events.at(-1)).toEqual({
      kind: 'result',
      ok: true,
      summary: 'Added src/hello.txt with a one-line greeting.',
      sessionId: 'd2ce042b-6bd7-4740-a087-b9e1196c515d',
      costUsd: 0.15106,
      turns: 3,
      inputTokens: 37245,
      outputTokens: 104,
    });
  });

  it('folds the success run with the result totals, not the per-block usage snapshots', () => {
    const { result } = foldOutput(claudeDriver, fixture('claude', 'success.jsonl'), 0);
    expect(result).toEqual({
      ok: true,
      summary: 'Added src/hello.txt with a one-line greeting.',
      sessionId: 'd2ce042b-6bd7-4740-a087-b9e1196c515d',
      costUsd: 0.15106,
      turns: 3,
      model: 'claude-opus-5-5',
      inputTokens: 37245,
      outputTokens: 104,
      error: undefined,
    });
  });

  it('keeps absolute paths when it does not know the repository', () => {
    expect(toolDescriptions(parseAll('success.jsonl'))[0]).toBe('wrote /tmp/claude-rec/repo/src/hello.txt');
  });

  it('treats a 401 as a failure although subtype is success, with the CLI message', () => {
    const { events, result } = foldOutput(claudeDriver, fixture('claude', 'auth-error.jsonl'), 1);
    expect(events.filter((e) => e.kind === 'message')).toEqual([]);
    expect(events).toContainEqual({ kind: 'error', message: 'Invalid API key · Fix external API key' });
    expect(result).toMatchObject({
      ok: false,
      error: 'Invalid API key · Fix external API key',
      sessionId: 'c66ec09b-8ffc-4c4f-9793-caaf6210db70',
    });
  });

  it('is a failure on is_error even if the CLI exited 0', () => {
    expect(foldOutput(claudeDriver, fixture('claude', 'auth-error.jsonl'), 0).result.ok).toBe(false);
  });

  it('takes the error of max-turns and unknown-session runs from `errors`', () => {
    expect(foldOutput(claudeDriver, fixture('claude', 'max-turns.jsonl'), 1).result).toMatchObject({
      ok: false,
      error: 'Reached maximum number of turns (1)',
      turns: 2,
      costUsd: 0.050872,
    });
    expect(foldOutput(claudeDriver, fixture('claude', 'resume-unknown.jsonl'), 1).result).toMatchObject({
      ok: false,
      error: 'No conversation found with session ID: 11111111-2222-3333-4444-555555555555',
    });
  });

  it('gives tool calls their input and tool results as outputs, for the transcript', () => {
    const events = parseAll('success.jsonl', RECORDED_CWD);
    const bash = events.find((e) => e.kind === 'tool' && e.name === 'Bash');
    expect(bash).toMatchObject({ input: { command: 'wc -l src/hello.txt' } });
    expect(events.filter((e) => e.kind === 'output')).toEqual([
      {
        kind: 'output',
        text: 'File created successfully at: /tmp/claude-rec/repo/src/hello.txt (file state is current in your context — no need to Read it back)',
      },
      { kind: 'output', text: '1 src/hello.txt' },
    ]);
    // A result given as text blocks is joined; a user line without results gives nothing.
    const blocks = JSON.stringify({
      type: 'user',
      message: {
        content: [
          {
            type: 'tool_result',
            content: [
              { type: 'text', text: 'a' },
              { type: 'text', text: 'b' },
            ],
          },
        ],
      },
    });
    expect(parseClaudeLine(blocks)).toEqual([{ kind: 'output', text: 'a\nb' }]);
    expect(parseClaudeLine('{"type":"user","message":{"content":[]}}')).toEqual([]);
  });

  it('says nothing for api_retry and unknown lines, and for non-JSON lines', () => {
    const retry = fixture('claude', 'auth-error.jsonl')
      .split('\n')
      .find((l) => l.includes('"api_retry"'));
    expect(retry).toBeDefined();
    expect(parseClaudeLine(retry ?? '')).toEqual([]);
    for (const line of ['', 'Warning: something', '[1,2]', '{not json', '{"type":"stream_event"}']) {
      expect(parseClaudeLine(line)).toEqual([]);
    }
  });

  it('counts cached input tokens as input tokens', () => {
    const line = JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: 'ok',
      usage: { input_tokens: 5, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 7 },
    });
    expect(parseClaudeLine(line)[0]).toMatchObject({ inputTokens: 1105, outputTokens: 7 });
  });

  it('names a failure by its subtype when the CLI gave no text', () => {
    const line = JSON.stringify({ type: 'result', subtype: 'error_during_execution', is_error: true });
    expect(parseClaudeLine(line)[0]).toMatchObject({ ok: false, error: 'Claude Code stopped: error_during_execution' });
  });
});

describe('tool descriptions', () => {
  const cwd = '/home/user/repo/';
  it.each([
    ['Edit', { file_path: '/home/user/repo/src/pager.ts' }, 'edited src/pager.ts'],
    ['MultiEdit', { file_path: '/home/user/repo/a.ts' }, 'edited a.ts'],
    ['Read', { file_path: '/etc/hosts' }, 'read /etc/hosts'],
    ['Read', { file_path: '/home/user/repository/x' }, 'read /home/user/repository/x'],
    ['Write', { file_path: 'relative.txt' }, 'wrote relative.txt'],
    ['Grep', { pattern: 'TODO' }, 'searched for TODO'],
    ['Glob', { pattern: '**/*.ts' }, 'searched for **/*.ts'],
    ['Bash', { command: 'npm test' }, 'ran `npm test`'],
    ['WebFetch', { url: 'https://example.com' }, 'fetched https://example.com'],
    ['Task', { description: 'Find the pager' }, 'started a subagent: Find the pager'],
    ['mcp__github__get_issue', {}, 'used mcp__github__get_issue'],
  ])('%s %j -> %s', (name, toolInput, expected) => {
    expect(describeTool(name, toolInput, cwd)).toBe(expected);
  });

  it('shortens long and multi-line commands', () => {
    const d = describeTool('Bash', { command: `echo ${'x'.repeat(200)}\necho two` });
    expect(d.length).toBeLessThan(100);
    expect(d).toMatch(/^ran `echo x+\.\.\.`$/);
  });
});

describe('claude command and env', () => {
  it('is the headless stream-json command with the prompt file on stdin', () => {
    expect(claudeDriver.command(input)).toBe(
      'claude -p --output-format stream-json --verbose --dangerously-skip-permissions < /home/user/prompt.md',
    );
  });

  it('adds model and resume flags', () => {
    expect(
      claudeDriver.command({
        ...input,
        model: 'claude-sonnet-4-5',
        resumeSessionId: 'd2ce042b-6bd7-4740-a087-b9e1196c515d',
      }),
    ).toBe(
      'claude -p --output-format stream-json --verbose --dangerously-skip-permissions --model claude-sonnet-4-5 --resume d2ce042b-6bd7-4740-a087-b9e1196c515d < /home/user/prompt.md',
    );
  });

  it('appends the repository instructions file to the system prompt by path, never by content', () => {
    expect(claudeDriver.command({ ...input, systemPromptFile: '/home/user/.issue-agent/instructions.md' })).toBe(
      'claude -p --output-format stream-json --verbose --dangerously-skip-permissions --append-system-prompt-file /home/user/.issue-agent/instructions.md < /home/user/prompt.md',
    );
  });

  it('quotes every word: bash hands hostile values to claude as literal arguments and the file as stdin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'claude-cmd-'));
    const promptFile = join(dir, "it's a `prompt` $(id).md");
    const prompt = 'Fix it; rm -rf / $(touch pwned) \'quoted\' "double"\n';
    writeFileSync(promptFile, prompt);
    const hostile: AgentInput = { ...input, model: "m'; touch pwned #", resumeSessionId: '$(id)', promptFile };
    // A shell function stands in for claude: it prints its arguments, then its stdin.
    const out = execFileSync(
      'bash',
      ['-c', `claude() { printf '%s\\n' "$@"; echo ---; cat; }; ${claudeDriver.command(hostile)}`],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(out).toBe(
      [
        '-p',
        '--output-format',
        'stream-json',
        '--verbose',
        '--dangerously-skip-permissions',
        '--model',
        hostile.model,
        '--resume',
        '$(id)',
        '---',
        prompt,
      ].join('\n'),
    );
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it('sets the sandbox flags and keeps its state in the state dir; keys come only through passEnv', () => {
    const env = claudeDriver.env(input, { ANTHROPIC_API_KEY: 'sk-ant-secret' });
    expect(env).toEqual({
      IS_SANDBOX: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CONFIG_DIR: '/home/user/.agent-state/claude',
    });
    expect(claudeDriver.passEnv).toEqual(['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL']);
    expect(claudeDriver.files(input, {})).toEqual([]);
  });
});

describe('agent registry', () => {
  it('has the claude driver', () => {
    expect(getDriver('claude')).toBe(claudeDriver);
  });

  it('lists claude when either its API key or its auth token is set', () => {
    expect(availableAgents({ ANTHROPIC_API_KEY: 'k' })).toContain('claude');
    expect(availableAgents({ ANTHROPIC_AUTH_TOKEN: 't' })).toContain('claude');
    expect(availableAgents({ ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: 'http://gw' })).not.toContain('claude');
    expect(availableAgents({})).toEqual([]);
  });
});

/**
 * runAgent with the claude driver in the real local provider; a stand-in `claude` script on PATH
 * prints recorded lines, since the model API cannot run here (the real CLI runs in test/agents-cli).
 */
describe('runAgent with a stand-in claude', () => {
  const sandboxes: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((s) => s.kill()));
  });

  /** A sandbox whose PATH starts with a dir holding `claude` = the given bash body. */
  async function withStandIn(body: string): Promise<{ sandbox: Sandbox; input: AgentInput }> {
    const bin = mkdtempSync(join(tmpdir(), 'claude-bin-'));
    writeFileSync(join(bin, 'claude'), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    const sandbox = await new LocalSandboxProvider({ pathPrefix: [bin] }).create({
      template: 'claude',
      metadata: {},
      timeoutMs: 60_000,
    });
    sandboxes.push(sandbox);
    const runInput: AgentInput = {
      cwd: `${sandbox.home}/repo`,
      promptFile: `${sandbox.home}/prompt.md`,
      stateDir: `${sandbox.home}/.agent-state`,
    };
    await sandbox.writeFile(`${runInput.cwd}/README.md`, '# repo\n');
    await sandbox.writeFile(runInput.promptFile, 'Fix the pager; $(touch pwned)\n');
    return { sandbox, input: runInput };
  }

  const recorded = (name: string) => quote(join(fixturesDir, name));

  it('passes only passEnv and the driver env, runs in the repo, and gives the prompt on stdin', async () => {
    const { sandbox, input: runInput } = await withStandIn(
      `printf '%s\\n' "$@" > "$HOME/argv"; cat > "$HOME/stdin"; env > "$HOME/env"; pwd > "$HOME/pwd"; cat ${recorded('success.jsonl')}`,
    );
    const result = await runAgent(
      sandbox,
      claudeDriver,
      { ...runInput, model: 'claude-sonnet-4-5' },
      {
        env: {
          ANTHROPIC_API_KEY: 'sk-ant-test',
          ANTHROPIC_AUTH_TOKEN: '',
          ANTHROPIC_BASE_URL: 'http://gw',
          GITHUB_TOKEN: 'ghs_secret',
          PRIVATE_KEY: 'pk',
        },
      },
    );
    expect(result.ok).toBe(true);
    const read = async (p: string) => Buffer.from(await sandbox.readFile(p)).toString('utf8');
    const env = (await read('env')).split('\n');
    expect(env).toEqual(
      expect.arrayContaining([
        'ANTHROPIC_API_KEY=sk-ant-test',
        'ANTHROPIC_BASE_URL=http://gw',
        'IS_SANDBOX=1',
        'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1',
      ]),
    );
    expect(env.join('\n')).not.toMatch(/GITHUB_TOKEN|PRIVATE_KEY|ANTHROPIC_AUTH_TOKEN/);
    expect((await read('argv')).split('\n')).toContain('claude-sonnet-4-5');
    expect(await read('stdin')).toBe('Fix the pager; $(touch pwned)\n');
    expect((await read('pwd')).trim()).toBe(runInput.cwd);
    expect(existsSync(join(sandbox.home, 'repo', 'pwned'))).toBe(false);
  });

  it('parses lines that arrive split across chunks, emitting each event as it arrives', async () => {
    const { sandbox, input: runInput } = await withStandIn(
      `while IFS= read -r line; do printf '%s' "\${line:0:25}"; sleep 0.02; printf '%s\\n' "\${line:25}"; done < ${recorded('success.jsonl')}`,
    );
    const chunks: string[] = [];
    const spied = recordingStdout(sandbox, chunks);
    const seen: AgentEvent[] = [];
    const result = await runAgent(spied, claudeDriver, runInput, { env: {}, onEvent: (e) => seen.push(e) });
    expect(chunks.some((c) => !c.endsWith('\n'))).toBe(true); // the stand-in really split lines
    const whole = fixture('claude', 'success.jsonl')
      .split('\n')
      .flatMap((l) => parseClaudeLine(l, { cwd: runInput.cwd }));
    expect(seen).toEqual(whole);
    expect(result).toMatchObject({
      ok: true,
      exitCode: 0,
      sessionId: 'd2ce042b-6bd7-4740-a087-b9e1196c515d',
      costUsd: 0.15106,
      turns: 3,
    });
  });

  it('streams: an event reaches onEvent while the CLI is still running', async () => {
    // The stand-in waits for a file the test writes when it sees the session event.
    const { sandbox, input: runInput } = await withStandIn(
      `head -n 1 ${recorded('success.jsonl')}
for i in $(seq 100); do [ -e "$HOME/go" ] && break; sleep 0.05; done
[ -e "$HOME/go" ] || { echo 'never got go' >&2; exit 3; }
tail -n +2 ${recorded('success.jsonl')}`,
    );
    const result = await runAgent(sandbox, claudeDriver, runInput, {
      env: {},
      onEvent: (e) => {
        if (e.kind === 'session') void sandbox.writeFile('go', '');
      },
    });
    expect(result).toMatchObject({ ok: true, summary: 'Added src/hello.txt with a one-line greeting.' });
  });

  it('kills the CLI and rejects when the job is aborted', async () => {
    const { sandbox, input: runInput } = await withStandIn(
      `echo $$ > "$HOME/pid"; sleep 30 & echo $! > "$HOME/sleep.pid"; head -n 1 ${recorded('success.jsonl')}; wait; touch "$HOME/finished"`,
    );
    const controller = new AbortController();
    const run = runAgent(sandbox, claudeDriver, runInput, {
      env: {},
      signal: controller.signal,
      onEvent: (e) => e.kind === 'session' && controller.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(CommandAbortedError);
    for (const file of ['pid', 'sleep.pid']) {
      const pid = Number(Buffer.from(await sandbox.readFile(file)).toString('utf8'));
      await expect.poll(() => alive(pid), { timeout: 2000 }).toBe(false);
    }
    expect(existsSync(join(sandbox.home, 'finished'))).toBe(false);
  });

  it('is not ok when the result has is_error, and carries the CLI message', async () => {
    const { sandbox, input: runInput } = await withStandIn(`cat ${recorded('auth-error.jsonl')}; exit 1`);
    const result = await runAgent(sandbox, claudeDriver, runInput, { env: {} });
    expect(result).toMatchObject({ ok: false, exitCode: 1, error: 'Invalid API key · Fix external API key' });
  });

  it('takes the error from stderr when the CLI failed without saying why on stdout', async () => {
    const message = '--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons';
    const { sandbox, input: runInput } = await withStandIn(
      `printf '\\e[31m%s\\e[0m\\n\\n' ${quote(message)} >&2; exit 1`,
    );
    const result = await runAgent(sandbox, claudeDriver, runInput, { env: {} });
    expect(result).toMatchObject({ ok: false, exitCode: 1, error: message, stderrTail: message });
  });
});

describe('runAgent with any driver', () => {
  it('writes the driver files first, parses a last line without newline and calls finish', async () => {
    const sandbox = await new LocalSandboxProvider().create({ template: 't', metadata: {}, timeoutMs: 60_000 });
    try {
      const finished: Array<[string, number, string]> = [];
      const driver: AgentDriver = {
        ...claudeDriver,
        files: (i) => [{ path: `${i.stateDir}/conf/settings.json`, content: '{"a":1}' }],
        command: (i) => `${command('cat', `${i.stateDir}/conf/settings.json`)}; echo oops >&2; exit 2`,
        parse: (line) => [{ kind: 'message', text: line }],
        finish: (stdout, exitCode, stderr) => {
          finished.push([stdout, exitCode, stderr]);
          return [];
        },
      };
      await sandbox.writeFile('repo/.keep', '');
      const runInput: AgentInput = {
        cwd: `${sandbox.home}/repo`,
        promptFile: `${sandbox.home}/p.md`,
        stateDir: `${sandbox.home}/state`,
      };
      const result = await runAgent(sandbox, driver, runInput, { env: {} });
      expect(finished).toEqual([['{"a":1}', 2, 'oops\n']]);
      expect(result).toMatchObject({ ok: false, summary: '{"a":1}', exitCode: 2, error: 'oops', stderrTail: 'oops' });
    } finally {
      await sandbox.kill();
    }
  });

  it('rejects with the error of a throwing onEvent after the run, instead of crashing', async () => {
    const sandbox = await new LocalSandboxProvider().create({ template: 't', metadata: {}, timeoutMs: 60_000 });
    try {
      const driver: AgentDriver = {
        ...claudeDriver,
        command: () => 'echo one; echo two',
        parse: (line) => [{ kind: 'message', text: line }],
      };
      const runInput: AgentInput = {
        cwd: sandbox.home,
        promptFile: `${sandbox.home}/p.md`,
        stateDir: `${sandbox.home}/state`,
      };
      const seen: string[] = [];
      const run = runAgent(sandbox, driver, runInput, {
        env: {},
        onEvent: (e) => {
          seen.push(e.kind === 'message' ? e.text : e.kind);
          throw new Error('status comment failed');
        },
      });
      await expect(run).rejects.toThrow('status comment failed');
      expect(seen).toEqual(['one', 'two']);
    } finally {
      await sandbox.kill();
    }
  });
});

const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/agents/claude');

/** The real sandbox, with every stdout chunk also recorded. */
function recordingStdout(sandbox: Sandbox, chunks: string[]): Sandbox {
  return {
    id: sandbox.id,
    home: sandbox.home,
    readFile: (p) => sandbox.readFile(p),
    writeFile: (p, d) => sandbox.writeFile(p, d),
    setTimeout: (ms) => sandbox.setTimeout(ms),
    pause: () => sandbox.pause(),
    kill: () => sandbox.kill(),
    run: (cmd, opts = {}) =>
      sandbox.run(cmd, {
        ...opts,
        onStdout: (c) => {
          chunks.push(c);
          opts.onStdout?.(c);
        },
      }),
  };
}

/** True while the process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
