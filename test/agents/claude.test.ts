import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeDriver, describeTool, parseClaudeLine } from '../../src/agents/claude.js';
import { availableAgents, getDriver } from '../../src/agents/index.js';
import type { AgentInput } from '../../src/agents/types.js';
import { fixture, foldOutput, toolDescriptions } from './fold-output.js';

/** Parser tests run on real stream-json of the pinned CLI (test/fixtures/agents/claude/README.md). */

const RECORDED_CWD = '/tmp/claude-rec/repo';
const input: AgentInput = { cwd: '/home/user/repo', promptFile: '/home/user/prompt.md', stateDir: '/home/user/.agent-state' };

function parseAll(name: string, cwd?: string) {
  return fixture('claude', name)
    .split('\n')
    .flatMap((l) => parseClaudeLine(l, cwd ? { cwd } : undefined));
}

describe('claude parser on recorded output', () => {
  it('turns a successful run into session, messages, tool lines and a result', () => {
    const events = parseAll('success.jsonl', RECORDED_CWD);
    expect(events[0]).toEqual({ kind: 'session', sessionId: 'd2ce042b-6bd7-4740-a087-b9e1196c515d' });
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
    expect(result).toMatchObject({ ok: false, error: 'Invalid API key · Fix external API key', sessionId: 'c66ec09b-8ffc-4c4f-9793-caaf6210db70' });
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

  it('says nothing for api_retry, user and unknown lines, and for non-JSON lines', () => {
    const retry = fixture('claude', 'auth-error.jsonl').split('\n').find((l) => l.includes('"api_retry"'));
    expect(retry).toBeDefined();
    expect(parseClaudeLine(retry ?? '')).toEqual([]);
    for (const line of ['', 'Warning: something', '[1,2]', '{not json', '{"type":"user","message":{"content":[]}}', '{"type":"stream_event"}']) {
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
    expect(claudeDriver.command({ ...input, model: 'claude-sonnet-4-5', resumeSessionId: 'd2ce042b-6bd7-4740-a087-b9e1196c515d' })).toBe(
      'claude -p --output-format stream-json --verbose --dangerously-skip-permissions --model claude-sonnet-4-5 --resume d2ce042b-6bd7-4740-a087-b9e1196c515d < /home/user/prompt.md',
    );
  });

  it('quotes every word: bash hands hostile values to claude as literal arguments and the file as stdin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'claude-cmd-'));
    const promptFile = join(dir, "it's a `prompt` $(id).md");
    const prompt = "Fix it; rm -rf / $(touch pwned) 'quoted' \"double\"\n";
    writeFileSync(promptFile, prompt);
    const hostile: AgentInput = { ...input, model: "m'; touch pwned #", resumeSessionId: '$(id)', promptFile };
    // A shell function stands in for claude: it prints its arguments, then its stdin.
    const out = execFileSync('bash', ['-c', `claude() { printf '%s\\n' "$@"; echo ---; cat; }; ${claudeDriver.command(hostile)}`], { cwd: dir, encoding: 'utf8' });
    expect(out).toBe(
      ['-p', '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions', '--model', hostile.model, '--resume', '$(id)', '---', prompt].join('\n'),
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
