import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ampDriver, describeAmpTool, parseAmpLine } from '../../src/agents/amp.js';
import { runAgent } from '../../src/agents/run-agent.js';
import type { AgentEvent, AgentInput } from '../../src/agents/types.js';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import { fixture, foldOutput, toolDescriptions } from './fold-output.js';

/**
 * Amp cannot run offline: its agent loop runs on Amp's server, reached over a private
 * WebSocket, and there is no model base URL to point at a local fake. So the driver is tested
 * with (1) the real CLI's recorded 401 answer, (2) stream-json lines of the shape Amp
 * documents (Claude Code's stream format), and (3) a stand-in `amp` executable that behaves
 * like the real one at its edges: prompt on stdin, stream-json on stdout, its tools run on
 * this machine, a bad key answered on stderr with exit 1.
 */

const input: AgentInput = {
  cwd: '/home/user/repo',
  promptFile: '/home/user/prompt.md',
  stateDir: '/home/user/.agent-state',
};
const THREAD = 'T-019c479a-39cc-72af-a2d1-65a965c076ec';
const KEY = 'sgamp_user_test_0123456789';

/** A run as Amp's --stream-json prints it: init, the model's tool call, its result, the answer, the result. */
const streamLines = [
  {
    type: 'system',
    subtype: 'init',
    cwd: '/home/user/repo',
    session_id: THREAD,
    tools: ['Bash', 'create_file', 'edit_file', 'Read'],
    mcp_servers: [],
  },
  {
    type: 'user',
    message: { role: 'user', content: [{ type: 'text', text: 'Create hello.txt' }] },
    parent_tool_use_id: null,
    session_id: THREAD,
  },
  {
    type: 'assistant',
    message: {
      type: 'message',
      role: 'assistant',
      content: [
        {
          type: 'tool_use',
          id: 'toolu_1',
          name: 'create_file',
          input: { path: '/home/user/repo/hello.txt', content: 'hello from the agent\n' },
        },
      ],
      stop_reason: 'tool_use',
      usage: {
        input_tokens: 1200,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 30,
        max_tokens: 224000,
        service_tier: 'standard',
      },
    },
    parent_tool_use_id: null,
    session_id: THREAD,
  },
  {
    type: 'user',
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Created hello.txt' }] },
    parent_tool_use_id: null,
    session_id: THREAD,
  },
  {
    type: 'assistant',
    message: {
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: 'I wrote hello.txt.' }],
      stop_reason: 'end_turn',
      usage: {
        input_tokens: 1300,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 8,
        max_tokens: 224000,
        service_tier: 'standard',
      },
    },
    parent_tool_use_id: null,
    session_id: THREAD,
  },
  {
    type: 'result',
    subtype: 'success',
    duration_ms: 2906,
    is_error: false,
    num_turns: 2,
    result: 'I wrote hello.txt.',
    session_id: THREAD,
  },
].map((l) => JSON.stringify(l));

describe('amp driver: parsing', () => {
  it('folds a stream-json run: summary, thread id, turns, tokens summed, tools', () => {
    const { events, result } = foldOutput(ampDriver, streamLines.join('\n'), 0, '', '/home/user/repo');
    expect(result).toEqual({
      ok: true,
      summary: 'I wrote hello.txt.',
      sessionId: THREAD,
      turns: 2,
      inputTokens: 2500,
      outputTokens: 38,
      costUsd: undefined,
      error: undefined,
    });
    expect(toolDescriptions(events)).toEqual(['wrote hello.txt']);
  });

  it('folds the real CLI answer to a bad key (stderr only, exit 1) into a failed run with its message', () => {
    expect(fixture('amp', 'error-401.stdout')).toBe('');
    const { result } = foldOutput(ampDriver, fixture('amp', 'error-401.stdout'), 1, fixture('amp', 'error-401.stderr'));
    expect(result).toMatchObject({
      ok: false,
      error: "Error: Invalid or missing API key. Run 'amp login' to authenticate.",
    });
  });

  it('treats is_error as failure even with subtype success', () => {
    const [event] = parseAmpLine(
      JSON.stringify({
        type: 'result',
        subtype: 'success',
        is_error: true,
        result: 'Out of credits',
        session_id: THREAD,
      }),
    );
    expect(event).toMatchObject({ kind: 'result', ok: false, error: 'Out of credits', sessionId: THREAD });
    const [other] = parseAmpLine(
      JSON.stringify({ type: 'result', subtype: 'error_during_execution', is_error: true, error: 'tool crashed' }),
    );
    expect(other).toMatchObject({ ok: false, error: 'tool crashed' });
  });

  it('describes Amp tools shortly', () => {
    expect(describeAmpTool('Bash', { cmd: 'npm test' })).toBe('ran `npm test`');
    expect(describeAmpTool('edit_file', { path: '/w/repo/src/a.ts' }, '/w/repo')).toBe('edited src/a.ts');
    expect(describeAmpTool('Read', { path: '/etc/hosts' }, '/w/repo')).toBe('read /etc/hosts');
    expect(describeAmpTool('Grep', { pattern: 'TODO' })).toBe('searched for TODO');
    expect(describeAmpTool('oracle', {})).toBe('used oracle');
  });
});

describe('amp driver: command and env', () => {
  it('runs amp -x with stream-json and all tools allowed, prompt file as stdin, in the repo', () => {
    expect(ampDriver.command(input)).toBe(
      'cd /home/user/repo && amp -x --stream-json --dangerously-allow-all --no-notifications --no-ide < /home/user/prompt.md',
    );
    expect(ampDriver.command({ ...input, model: 'high' })).toContain(' --mode high ');
  });

  it('continues a thread with amp threads continue', () => {
    expect(ampDriver.command({ ...input, resumeSessionId: THREAD })).toBe(
      `cd /home/user/repo && amp threads continue ${THREAD} -x --stream-json --dangerously-allow-all --no-notifications --no-ide < /home/user/prompt.md`,
    );
  });

  it('needs AMP_API_KEY, writes no files and passes nothing but the key and AMP_URL', () => {
    for (const mode of [undefined, 'low', 'ultra']) expect(ampDriver.requiredEnv(mode, {})).toEqual([['AMP_API_KEY']]);
    expect([...ampDriver.passEnv].sort()).toEqual(['AMP_API_KEY', 'AMP_URL']);
    expect(ampDriver.files(input, { AMP_API_KEY: KEY })).toEqual([]);
    expect(ampDriver.env(input, { AMP_API_KEY: KEY })).toEqual({});
  });
});

/**
 * The stand-in `amp`: checks the flags the driver must pass, records argv and stdin, runs the
 * "create_file" tool itself (Amp's tools run on the client), prints the stream. A key other
 * than the expected one gets the real CLI's error text on stderr and exit 1.
 */
const standIn = (log: string) => `#!/usr/bin/env bash
printf '%s\\n' "$@" > ${shellQuote(log)}.argv
cat > ${shellQuote(log)}.stdin
pwd > ${shellQuote(log)}.cwd
env > ${shellQuote(log)}.env
for flag in -x --stream-json --dangerously-allow-all; do
  printf '%s\\n' "$@" | grep -qx -- "$flag" || { echo "Error: missing $flag" >&2; exit 2; }
done
if [ "$AMP_API_KEY" != "${KEY}" ]; then
  echo "Error: Invalid or missing API key. Run 'amp login' to authenticate." >&2
  exit 1
fi
${streamLines
  .map((line) => `printf '%s\\n' ${shellQuote(line.replaceAll('/home/user/repo', '@CWD@'))} | sed "s#@CWD@#$PWD#g"`)
  .map((cmd, i) => (i === 3 ? `printf 'hello from the agent\\n' > hello.txt\n${cmd}` : cmd))
  .join('\n')}
`;

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

describe('amp driver: a run through runAgent with a stand-in amp executable', () => {
  let bin: string;
  let log: string;
  const provider = () => new LocalSandboxProvider({ pathPrefix: [bin] });

  beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), 'amp-standin-'));
    log = join(bin, 'log');
    await writeFile(join(bin, 'amp'), standIn(log));
    await chmod(join(bin, 'amp'), 0o755);
  });
  afterAll(async () => {
    await rm(bin, { recursive: true, force: true });
  });

  async function run(key: string) {
    const sandbox = await provider().create({ template: 'amp', metadata: {}, timeoutMs: 60_000 });
    try {
      const runInput: AgentInput = {
        cwd: `${sandbox.home}/repo`,
        promptFile: `${sandbox.home}/prompt.md`,
        stateDir: `${sandbox.home}/.agent-state`,
      };
      await sandbox.run('mkdir repo');
      await sandbox.writeFile(runInput.promptFile, 'Create hello.txt; ignore $(rm -rf /) in this text\n');
      const events: AgentEvent[] = [];
      const result = await runAgent(sandbox, ampDriver, runInput, {
        env: { AMP_API_KEY: key, ANTHROPIC_API_KEY: 'must-not-pass' },
        onEvent: (e) => events.push(e),
      });
      const file = await readFile(join(sandbox.home, 'repo/hello.txt'), 'utf8').catch(() => undefined);
      return { result, events, file, home: sandbox.home };
    } finally {
      await sandbox.kill();
    }
  }

  it('runs to a successful result and the file the tool wrote is in the repo', async () => {
    const { result, events, file, home } = await run(KEY);
    expect(result).toMatchObject({ ok: true, summary: 'I wrote hello.txt.', sessionId: THREAD, turns: 2 });
    expect(file).toBe('hello from the agent\n');
    expect(events).toContainEqual({ kind: 'tool', name: 'create_file', description: 'wrote hello.txt' });
    // The prompt came in on stdin, never as an argument; the CLI ran in the repository.
    expect(await readFile(`${log}.stdin`, 'utf8')).toBe('Create hello.txt; ignore $(rm -rf /) in this text\n');
    expect(await readFile(`${log}.argv`, 'utf8')).toBe(
      '-x\n--stream-json\n--dangerously-allow-all\n--no-notifications\n--no-ide\n',
    );
    expect((await readFile(`${log}.cwd`, 'utf8')).trim()).toBe(`${home}/repo`);
    // Only the agent's own variables enter its process.
    const env = await readFile(`${log}.env`, 'utf8');
    expect(env).toContain(`AMP_API_KEY=${KEY}`);
    expect(env).not.toContain('must-not-pass');
  });

  it('ends a bad key as a failed result carrying the CLI message', async () => {
    const { result, file } = await run('sgamp_wrong');
    expect(result.ok).toBe(false);
    expect(result.error).toContain("Invalid or missing API key. Run 'amp login' to authenticate.");
    expect(file).toBeUndefined();
  });
});
