import { describe, expect, it } from 'vitest';
import { fingerprintDiff, takeGitFingerprint } from '../../src/workspace/git-fingerprint.js';
import { git } from '../helpers/git-remote.js';
import { agent, sandboxPerTest } from './helpers.js';

const perTest = sandboxPerTest();

async function clonedRepo(): Promise<string> {
  const { repo, sandbox, dir } = await perTest.repoAndSandbox({ 'a.txt': 'a\n' });
  git(sandbox.home, 'clone', '-q', repo.url, dir);
  return dir;
}

describe('git fingerprint', () => {
  it('records config, hooks and info, and not git bookkeeping', async () => {
    const dir = await clonedRepo();
    const fingerprint = await takeGitFingerprint(perTest.sandbox!, dir);
    expect(fingerprint.get('.git')).toBe('dir');
    expect(fingerprint.get('.git/config')).toMatch(/^file:-:[0-9a-f]{64} /);
    expect(fingerprint.has('.git/hooks/pre-commit.sample')).toBe(true);
    expect(fingerprint.has('.git/info/exclude')).toBe(true);
    expect([...fingerprint.keys()].filter((p) => /^\.git\/(objects|refs|logs|index|HEAD)/.test(p))).toEqual([]);
  });

  it.each([
    ['a changed hook exec bit', 'chmod -x .git/hooks/pre-commit.sample', ['.git/hooks/pre-commit.sample']],
    [
      'a new hook in a new directory',
      'mkdir .git/hooks/sub && touch ".git/hooks/sub/odd name"',
      ['.git/hooks/sub', '.git/hooks/sub/odd name'],
    ],
    [
      'a hooks dir replaced by a symlink',
      'rm -rf .git/hooks && ln -s / .git/hooks',
      expect.arrayContaining(['.git/hooks', '.git/hooks/pre-commit.sample']),
    ],
    ['an alternates file', 'echo /tmp > .git/objects/info/alternates', ['.git/objects/info/alternates']],
    ['a removed info/exclude', 'rm .git/info/exclude', ['.git/info/exclude']],
    ['a config change', 'git config core.hooksPath .husky', ['.git/config']],
    ['.git removed', 'rm -rf .git', ['.git']],
  ])('sees %s', async (_name, script, expected) => {
    const dir = await clonedRepo();
    const before = await takeGitFingerprint(perTest.sandbox!, dir);
    await agent(perTest.sandbox!, dir, script);
    expect(fingerprintDiff(before, await takeGitFingerprint(perTest.sandbox!, dir))).toEqual(expected);
  });

  it('does not see commits, branches, stashes or gc', async () => {
    const dir = await clonedRepo();
    const before = await takeGitFingerprint(perTest.sandbox!, dir);
    await agent(
      perTest.sandbox!,
      dir,
      'echo b > b && git add b && git commit -qm b && git checkout -qb x && echo c > a.txt && git stash -q && git gc -q',
    );
    expect(fingerprintDiff(before, await takeGitFingerprint(perTest.sandbox!, dir))).toEqual([]);
  });
});
