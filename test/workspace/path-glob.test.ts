import { describe, expect, it } from 'vitest';
import { globMatcher, globToRegExp } from '../../src/workspace/path-glob.js';

describe('globToRegExp', () => {
  it.each<[string, string[], string[]]>([
    [
      '.github/workflows/**',
      ['.github/workflows', '.github/workflows/ci.yml', '.github/workflows/a/b.yml', '.GitHub/Workflows/CI.yml'],
      ['.github/workflowsx', '.github/workflows-old/ci.yml', '.github/ci.yml', 'x/.github/workflows/ci.yml'],
    ],
    ['**/*.pem', ['key.pem', 'a/b/key.pem', '.pem'], ['key.pem.txt', 'a/key.pemx']],
    ['**', ['a', 'a/b/c'], []],
    ['src/**/secret.ts', ['src/secret.ts', 'src/a/b/secret.ts'], ['src/asecret.ts', 'secret.ts', 'lib/secret.ts']],
    ['*.md', ['README.md', '.md'], ['docs/README.md', 'README.mdx']],
    ['docs/?.txt', ['docs/a.txt'], ['docs/ab.txt', 'docs//.txt', 'docs/.txt']],
    ['v[0-9].json', ['v1.json', 'V9.JSON'], ['va.json', 'v10.json']],
    ['[!.]*', ['a', 'README'], ['.hidden']],
    ['a[b', ['a[b'], ['ab']],
    ['a.b+c(d)', ['a.b+c(d)'], ['axb+c(d)', 'a.bbc(d)']],
    ['docs/', ['docs', 'docs/a/b.md'], ['docs.md', 'a/docs/x']],
    ['package.json', ['package.json', 'PACKAGE.JSON'], ['sub/package.json', 'package.json5']],
  ])('%s', (pattern, matching, other) => {
    const re = globToRegExp(pattern);
    for (const path of matching) expect(re.test(path), path).toBe(true);
    for (const path of other) expect(re.test(path), path).toBe(false);
  });

  it('names the first pattern that matches', () => {
    const match = globMatcher(['.github/workflows/**', '.github/actions/**']);
    expect(match('.github/actions/x/action.yml')).toBe('.github/actions/**');
    expect(match('src/a.ts')).toBeUndefined();
  });
});
