import { describe, expect, it } from 'vitest';
import type { Contender } from '../../src/domain/compare.js';
import { renderComparison } from '../../src/github/compare-text.js';

const claude: Contender = {
  agent: 'claude',
  model: 'claude-sonnet-4-5',
  outcome: 'changed',
  branch: 'agent/1-fix-it-claude',
  commitSha: 'c1',
  verify: { total: 2, failing: 0 },
  files: 2,
  additions: 10,
  deletions: 3,
  costUsd: 0.1234,
  durationMs: 75_000,
  summary: 'Fixed the pager | and closes #1 for @octocat\nsecond line',
};
const codex: Contender = {
  agent: 'codex',
  outcome: 'failed',
  files: 0,
  additions: 0,
  deletions: 0,
  durationMs: 5_000,
  summary: 'codex failed: exit 1',
};

describe('renderComparison', () => {
  it('one row per agent with the winner marked, a compare link per branch, inert summaries', () => {
    const text = renderComparison({
      contenders: [claude, codex],
      winner: 'claude',
      repoUrl: 'https://github.com/o/r',
      baseBranch: 'main',
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('| Agent | Model | Outcome | Verify | Files | Lines | Cost | Duration | Branch | Summary |');
    expect(lines[2]).toBe(
      '| claude 🏆 | `claude-sonnet-4-5` | changed files | ✅ 2 passed | 2 | +10 −3 | $0.12 | 1 min 15 s | [diff](https://github.com/o/r/compare/main...agent/1-fix-it-claude) | ``Fixed the pager \\| and `c\u200Dloses #1` for `@\u200Doctocat` second line`` |',
    );
    expect(lines[3]).toBe('| codex | default | failed | – | 0 | +0 −0 | n/a | 5 s | – | `codex failed: exit 1` |');
    expect(text).toContain('Winner rule: verify passed > fewer failing verify commands > fewer changed lines');
    expect(text).not.toContain('So far');
  });

  it('failing verify commands, no verify commands, and the record line', () => {
    const text = renderComparison({
      contenders: [
        { ...claude, verify: { total: 3, failing: 2 }, summary: '' },
        { ...codex, outcome: 'changed', branch: 'agent/1-x-codex', verify: undefined, summary: '' },
      ],
      repoUrl: 'https://ghe.example/o/r',
      baseBranch: 'release/1.x',
      record: [
        { agent: 'claude', runs: 4, wins: 3, verifyPassed: 2, verifyRuns: 3, costUsd: 1.5 },
        { agent: 'codex', runs: 4, wins: 1, verifyPassed: 0, verifyRuns: 0, costUsd: 0.004 },
      ],
    });
    expect(text).toContain('| claude | `claude-sonnet-4-5` | changed files | ❌ 2 of 3 failed |');
    expect(text).toContain('| codex | default | changed files | none configured |');
    expect(text).toContain('https://ghe.example/o/r/compare/release/1.x...agent/1-x-codex');
    expect(text).not.toContain('🏆');
    expect(text.split('\n').at(-1)).toBe(
      "So far in this repository's compares: claude won 3 of 4, verify passed 67%, $1.50 in all; codex won 1 of 4, $0.0040 in all.",
    );
  });
});
