import { describe, expect, it } from 'vitest';
import { isDotGitmodulesName, isDotGitName } from '../../src/workspace/git-paths.js';

// Names git's verify_path refuses as `.git` (t/t0060-path-utils.sh, t/t1450-fsck.sh and the
// CVE-2014-9390 / CVE-2019-1352 fixes), and near misses it accepts.
describe('isDotGitName', () => {
  it.each([
    '.git',
    '.GIT',
    '.Git',
    '.git.',
    '.git..',
    '.git ',
    '.git . .',
    '.git::$INDEX_ALLOCATION',
    '.GIT::$index_allocation',
    '.git:',
    '.git:stream',
    '.git. :x',
    'git~1',
    'GIT~1',
    'git~1.',
    'git~1 ',
    'git~1::$INDEX_ALLOCATION',
    '.g\u200cit',
    '\u200d.git',
    '.git\u200e',
    '.\u200fgit',
    '.gi\u202at',
    '.g\u202bi\u202ct',
    '.git\u202d\u202e',
    '.\u206agit\u206b',
    '.gi\u206c\u206d\u206e\u206ft',
    '\ufeff.git',
    '.G\u200cIT',
  ])('refuses %j', (name) => {
    expect(isDotGitName(name)).toBe(true);
  });

  it.each([
    '.gitignore',
    '.github',
    '.gitmodules',
    '.git-hooks',
    '.git~1',
    'git',
    'git~2',
    'git~10',
    'agit~1',
    '.gitx',
    '.git.x',
    '.git x',
    'x.git',
    '..git',
    '.g\u200bit', // U+200B ZERO WIDTH SPACE is not ignored by HFS+
    '.g\u2028it',
    '.gi\u0307t',
    '.g\u0130t', // İ is not I to git
    '.git\u200c.', // HFS+ drops U+200C but keeps the dot; NTFS sees a U+200C before it
    '',
  ])('accepts %j', (name) => {
    expect(isDotGitName(name)).toBe(false);
  });
});

describe('isDotGitmodulesName', () => {
  it.each([
    '.gitmodules',
    '.GITMODULES',
    '.gitmodules.',
    '.gitmodules ..',
    '.gitmodules:$DATA',
    '.gitmodules::$DATA',
    'gitmod~1',
    'GITMOD~4',
    'gitmod~4 .',
    'gi7eba~1',
    'gi7eba~9',
    'GI7EBA~9',
    'gi7eb~10',
    'gi7e~123',
    '.git\u200cmodules',
    '\ufeff.gitmodules',
  ])('refuses %j', (name) => {
    expect(isDotGitmodulesName(name)).toBe(true);
  });

  it.each([
    '.gitmodule',
    '.gitmodulesx',
    '.gitmodules.x',
    'gitmodules',
    'gitmod~5',
    'gitmod~0',
    'gitmo~1',
    'gi7eba~0',
    'gi7eba~1x',
    'gi7ebax~1',
    'gi7eb~1x',
    '.git',
    '',
  ])('accepts %j', (name) => {
    expect(isDotGitmodulesName(name)).toBe(false);
  });
});
