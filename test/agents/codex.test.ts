import { describe, expect, it } from 'vitest';
import { codexConfig, codexDriver, parseCodexLine, unwrapShell } from '../../src/agents/codex.js';
import type { AgentInput } from '../../src/agents/types.js';
import { fixture, foldOutput, recordedCwd, toolDescriptions } from './fold-output.js';

const input: AgentInput = {
  cwd: '/home/user/repo',
  promptFile: '/home/user/prompt.md',
  stateDir: '/home/user/.agent-state',
};
const KEY = 'sk-secret-value-123';

describe('codex driver: parsing recorded output of codex 0.169', () => {
  it('folds a successful run: summary, thread id, tokens, tools with paths relative to the repo', () => {
    const stdout = fixture('codex', 'success.stdout');
    const { events, result } = foldOutput(codexDriver, stdout, 0, '', recordedCwd(stdout));
    expect(result).toMatchObject({ ok: true, summary: 'I wrote hello.txt.', inputTokens: 41993, outputTokens: 170 });
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.error).toBeUndefined();
    expect(toolDescriptions(events)).toEqual(['ran `ls -a`', 'created hello.txt']);
    // Without the repository path, paths stay as Codex printed them.
    expect(toolDescriptions(foldOutput(codexDriver, stdout, 0).events)[1]).toBe(
      `created ${recordedCwd(stdout)}/hello.txt`,
    );
  });

  it('folds a 401 into a failed run with the message Codex printed', () => {
    const { result } = foldOutput(
      codexDriver,
      fixture('codex', 'error-401.stdout'),
      1,
      fixture('codex', 'error-401.stderr'),
    );
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^unexpected status 401 Unauthorized: Incorrect API key provided/);
    expect(result.sessionId).toBeDefined();
  });

  it('takes the reason from stderr when Codex dies before a turn', () => {
    const { result } = foldOutput(
      codexDriver,
      '',
      2,
      "error: unexpected argument '--bogus' found\n\nUsage: codex exec [OPTIONS] [PROMPT]\n",
    );
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining("unexpected argument '--bogus'") });
  });

  it('ignores lines that are not JSON events, and reports failed commands', () => {
    expect(parseCodexLine('WARNING: proceeding')).toEqual([]);
    expect(
      parseCodexLine(
        '{"type":"item.completed","item":{"type":"command_execution","command":"/bin/bash -lc \'npm test\'","exit_code":1,"status":"failed"}}',
      ),
    ).toEqual([{ kind: 'tool', name: 'shell', description: 'ran `npm test` (exit 1)' }]);
  });

  it('unwraps the shell Codex reports commands in', () => {
    expect(unwrapShell("/bin/bash -lc 'ls -a'")).toBe('ls -a');
    expect(unwrapShell(`/bin/bash -lc 'echo '\\''hi'\\'''`)).toBe("echo 'hi'");
    expect(unwrapShell('bash -c "echo \\"x\\""')).toBe('echo "x"');
    expect(unwrapShell('git status')).toBe('git status');
  });
});

describe('codex driver: command, env and files', () => {
  it('runs codex exec headless, with the prompt file as stdin', () => {
    expect(codexDriver.command(input)).toBe(
      'codex exec --json --dangerously-bypass-approvals-and-sandbox --skip-git-repo-check --disable plugins -c analytics.enabled=false -C /home/user/repo - < /home/user/prompt.md',
    );
    expect(codexDriver.command({ ...input, model: 'gpt-5.5' })).toContain(' -m gpt-5.5 ');
  });

  it('resumes a thread from the repository (resume has no -C)', () => {
    expect(codexDriver.command({ ...input, resumeSessionId: '01a2177a-9ae6-79f3-b116-6b3a776e7f7f' })).toBe(
      'cd /home/user/repo && codex exec resume --json --dangerously-bypass-approvals-and-sandbox --skip-git-repo-check --disable plugins -c analytics.enabled=false 01a2177a-9ae6-79f3-b116-6b3a776e7f7f - < /home/user/prompt.md',
    );
  });

  it('attaches the issue images with --image before -C, which ends their list; never on resume', () => {
    const images = ['/home/user/.issue-agent/images/image-1.png', '/home/user/.issue-agent/images/image 2.jpg'];
    expect(codexDriver.command({ ...input, images })).toBe(
      "codex exec --json --dangerously-bypass-approvals-and-sandbox --skip-git-repo-check --disable plugins -c analytics.enabled=false --image /home/user/.issue-agent/images/image-1.png --image '/home/user/.issue-agent/images/image 2.jpg' -C /home/user/repo - < /home/user/prompt.md",
    );
    expect(codexDriver.command({ ...input, images, resumeSessionId: 't1' })).not.toContain('--image');
  });

  it('quotes hostile paths and model names into single words', () => {
    const cmd = codexDriver.command({ ...input, cwd: "/tmp/a b';rm -rf /", model: '$(whoami)' });
    expect(cmd).toContain("-C '/tmp/a b'\\'';rm -rf /'");
    expect(cmd).toContain("-m '$(whoami)'");
  });

  it('writes a gateway provider naming the key variable, never the key', () => {
    const passed = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: 'https://gw.example.com/v1/' };
    const files = codexDriver.files(input, passed);
    expect(files).toEqual([{ path: '/home/user/.agent-state/codex/config.toml', content: codexConfig(passed) }]);
    const toml = files[0]?.content ?? '';
    expect(toml).toContain('model_provider = "gateway"');
    expect(toml).toContain('base_url = "https://gw.example.com/v1"');
    expect(toml).toContain('env_key = "OPENAI_API_KEY"');
    expect(toml).toContain('wire_api = "responses"');
    expect(toml).not.toContain(KEY);
    expect(codexDriver.command(input)).not.toContain(KEY);
    expect(codexDriver.env(input, passed)).toEqual({ CODEX_HOME: '/home/user/.agent-state/codex' });
  });

  it('prefers CODEX_API_KEY as the gateway key variable when it is set', () => {
    expect(codexConfig({ CODEX_API_KEY: KEY, OPENAI_API_KEY: 'other', OPENAI_BASE_URL: 'http://gw/v1' })).toContain(
      'env_key = "CODEX_API_KEY"',
    );
  });

  it('without a gateway uses the built-in provider, which reads only CODEX_API_KEY', () => {
    expect(codexConfig({ OPENAI_API_KEY: KEY })).not.toContain('model_provider');
    expect(codexDriver.env(input, { OPENAI_API_KEY: KEY })).toEqual({
      CODEX_HOME: '/home/user/.agent-state/codex',
      CODEX_API_KEY: KEY,
    });
    expect(codexDriver.env(input, { CODEX_API_KEY: KEY })).toEqual({ CODEX_HOME: '/home/user/.agent-state/codex' });
  });

  it('needs CODEX_API_KEY or OPENAI_API_KEY and passes nothing else', () => {
    // Whatever the model: every one goes to OpenAI or to the gateway with the same key.
    for (const model of [undefined, 'gpt-5', 'fake-coder'])
      expect(codexDriver.requiredEnv(model, {})).toEqual([['CODEX_API_KEY', 'OPENAI_API_KEY']]);
    expect([...codexDriver.passEnv].sort()).toEqual(['CODEX_API_KEY', 'OPENAI_API_KEY', 'OPENAI_BASE_URL']);
  });
});
