import { describe, expect, it } from 'vitest';
import { drivers } from '../../src/agents/index.js';
import { AGENT_NAMES } from '../../src/agents/types.js';

/** A follow-up passes the stored session id to every agent's own resume flag. */
describe.each(AGENT_NAMES)('%s resumes a stored session', (name) => {
  const driver = drivers[name]!;
  const input = {
    cwd: '/home/user/repo',
    promptFile: '/home/user/.issue-agent/prompt.md',
    stateDir: '/home/user/.issue-agent',
  };
  const flags: Record<string, RegExp> = {
    claude: /--resume 'ses-7f3a'|--resume ses-7f3a/,
    codex: /exec resume .*ses-7f3a/,
    opencode: /--session ses-7f3a/,
    openclaw: /--session-id ses-7f3a/,
    amp: /threads continue ses-7f3a/,
  };

  it('puts the id in its resume form', () => {
    expect(driver.command({ ...input, resumeSessionId: 'ses-7f3a' })).toMatch(flags[name]!);
  });
});
