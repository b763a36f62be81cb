import { describe, expect, it } from 'vitest';
import type { CollectedChange } from '../../src/workspace/types.js';
import { validateChanges } from '../../src/workspace/validate-changes.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const write = (path: string, content = 'x'): CollectedChange => ({
  kind: 'write',
  path,
  mode: '100644',
  content: bytes(content),
});
const link = (path: string, target: string): CollectedChange => ({
  kind: 'write',
  path,
  mode: '120000',
  content: bytes(target),
});
const del = (path: string): CollectedChange => ({ kind: 'delete', path });
const policy = { maxFileSizeMB: 1, allowWorkflowChanges: false };

describe('validateChanges', () => {
  it.each<[string, CollectedChange[]]>([
    ['no changes', []],
    ['plain writes and deletions', [write('README.md'), write('a/b/c.txt'), del('old.txt')]],
    [
      'names that only look like .git',
      [write('.github/x'), write('.gitignore'), write('a/.gitkeep'), write('my.git/x'), write('.git-hooks/x')],
    ],
    [
      'symlinks that stay inside',
      [link('link', 'README.md'), link('a/b/l', '../../c'), link('a/l', './b/../c'), link('l', '.')],
    ],
    [
      'a regular .gitmodules and a link named like it in a directory',
      [write('.gitmodules'), link('.gitmodules.d', 'x')],
    ],
    ['a file exactly at the limit', [write('big', 'x'.repeat(1024 * 1024))]],
    ['a workflow outside .github/workflows', [write('.github/dependabot.yml'), write('docs/.github/workflows/x.yml')]],
    ['paths with spaces, unicode and dots in names', [write('a b/naïve 文件.txt'), write('..foo'), write('a/...')]],
  ])('accepts %s and returns them as committable', (_name, changes) => {
    expect(validateChanges(changes, policy)).toEqual({ ok: true, changes });
  });

  it.each<[string, CollectedChange, string]>([
    ['a write inside .git/', write('.git/hooks/pre-commit'), 'the agent wrote inside .git/: .git/hooks/pre-commit'],
    ['a nested .git/', write('sub/.git/config'), 'the agent wrote inside .git/: sub/.git/config'],
    ['.GIT in another case', write('.GIT/config'), 'the agent wrote inside .git/: .GIT/config'],
    ['.git with a trailing dot', write('.git./config'), 'the agent wrote inside .git/: .git./config'],
    ['the NTFS short name', write('GIT~1/config'), 'the agent wrote inside .git/: GIT~1/config'],
    ['a deletion inside .git/', del('.git/index'), 'the agent wrote inside .git/: .git/index'],
    [
      'an NTFS stream of .git',
      write('.git::$INDEX_ALLOCATION/hooks/post-checkout'),
      'the agent wrote inside .git/: .git::$INDEX_ALLOCATION/hooks/post-checkout',
    ],
    ['.git with a trailing space', write('a/.git /config'), 'the agent wrote inside .git/: a/.git /config'],
    [
      '.git with an HFS+-ignored code point',
      write('.g\u200cit/config'),
      'the agent wrote inside .git/: .g\u200cit/config',
    ],
    ['.git with a BOM', write('sub/\ufeff.GIT/hooks/x'), 'the agent wrote inside .git/: sub/\ufeff.GIT/hooks/x'],
    [
      'a symlink into an HFS+ spelling of .git',
      link('l', '.git\u200d/config'),
      'symlink pointing outside the repository or into .git/: l -> .git\u200d/config',
    ],
    [
      'a symlinked .gitmodules',
      link('.gitmodules', 'docs/modules'),
      'symlink named .gitmodules (or a name some file system reads as .gitmodules), which git refuses to check out: .gitmodules',
    ],
    [
      'a symlinked .gitmodules in any case',
      link('sub/.GitModules', 'x'),
      'which git refuses to check out: sub/.GitModules',
    ],
    [
      'a symlinked .gitmodules by its NTFS short name',
      link('GITMOD~1', 'x'),
      'which git refuses to check out: GITMOD~1',
    ],
    [
      'a symlinked .gitmodules with an ADS',
      link('.gitmodules::$DATA', 'x'),
      'which git refuses to check out: .gitmodules::$DATA',
    ],
    [
      'a fingerprint hit',
      { kind: 'omitted', path: '.git/config', reason: 'git-internal' },
      'the agent wrote inside .git/: .git/config',
    ],
    ['an absolute path', write('/etc/passwd'), 'path outside the repository: /etc/passwd'],
    ['a .. segment', write('a/../../x'), 'path outside the repository: a/../../x'],
    ['a leading ..', del('../x'), 'path outside the repository: ../x'],
    ['a backslash', write('a\\..\\x'), 'path outside the repository: a\\..\\x'],
    ['an empty segment', write('a//b'), 'path outside the repository: a//b'],
    ['a . segment', write('./a'), 'path outside the repository: ./a'],
    ['an empty path', write(''), 'path outside the repository: '],
    [
      'a symlink climbing out',
      link('a/up', '../../etc/passwd'),
      'symlink pointing outside the repository or into .git/: a/up -> ../../etc/passwd',
    ],
    [
      'an absolute symlink',
      link('abs', '/etc/passwd'),
      'symlink pointing outside the repository or into .git/: abs -> /etc/passwd',
    ],
    ['a symlink to the parent', link('l', '..'), 'symlink pointing outside the repository or into .git/: l -> ..'],
    [
      'a symlink into .git',
      link('l', 'a/../.git/config'),
      'symlink pointing outside the repository or into .git/: l -> a/../.git/config',
    ],
    [
      'a gitlink',
      { kind: 'omitted', path: 'vendor/lib', reason: 'gitlink' },
      'nested git repository (committed as a submodule entry), which the app does not commit: vendor/lib',
    ],
    [
      'a file over the limit',
      write('big.bin', 'x'.repeat(1024 * 1024 + 1)),
      'file over the 1 MB limit (maxFileSizeMB in .github/issue-agent.yml): big.bin (1.0 MB)',
    ],
    [
      'a file left in the sandbox for size',
      { kind: 'omitted', path: 'huge.iso', reason: 'too-large', size: 5.5 * 1024 * 1024 },
      'file over the 1 MB limit (maxFileSizeMB in .github/issue-agent.yml): huge.iso (5.5 MB)',
    ],
    [
      'a workflow',
      write('.github/workflows/ci.yml'),
      'the agent changed workflow files, which are not allowed: .github/workflows/ci.yml. To allow them, set `allowWorkflowChanges: true` in .github/issue-agent.yml and grant the app the `workflows` permission.',
    ],
    [
      'a deleted workflow',
      del('.github/workflows/ci.yml'),
      'workflow files, which are not allowed: .github/workflows/ci.yml',
    ],
    ['a newline in a path', write('.git/a\nb'), 'the agent wrote inside .git/: ".git/a\\nb"'],
  ])('rejects %s', (_name, change, reason) => {
    const verdict = validateChanges([write('fine.txt'), change], policy);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toContain(reason);
  });

  describe('symlinks resolved through the other links of the committed tree', () => {
    const escape = 'symlink pointing outside the repository or into .git/: ';

    it.each<[string, Record<string, string>, CollectedChange[], string]>([
      ['a chain of new links', {}, [link('a', '.'), link('b', 'a/a/../../etc/passwd')], 'b -> a/a/../../etc/passwd'],
      [
        'a new link through a link of the base',
        { a: '.' },
        [link('b', 'a/a/../../etc/passwd')],
        'b -> a/a/../../etc/passwd',
      ],
      ['a link in a subdirectory', { 'x/up': '..' }, [link('x/l', 'up/up/../../y')], 'x/l -> up/up/../../y'],
      ['a link through an absolute link of the base', { abs: '/etc' }, [link('p', 'abs/passwd')], 'p -> abs/passwd'],
      [
        'a chain ending in a link that climbs out',
        {},
        [link('l', 'm'), link('m', 'n'), link('n', '..')],
        'l -> m, m -> n, n -> ..',
      ],
      ['a loop', {}, [link('l1', 'l2'), link('l2', 'l1')], 'l1 -> l2, l2 -> l1'],
      [
        'a link found in another case',
        {},
        [link('a', '.'), link('b', 'A/A/../../etc/passwd')],
        'b -> A/A/../../etc/passwd',
      ],
      ['a chain into .git', { d: 'sub/..' }, [link('c', 'd/.git/config')], 'c -> d/.git/config'],
      [
        'an unchanged link the changes lead out',
        { b: 'a/x/../../README.md' },
        [link('a', '.'), del('a/x/f')],
        'b -> a/x/../../README.md (unchanged, led out by the changed links)',
      ],
    ])('rejects %s', (_name, base, changes, items) => {
      expect(validateChanges(changes, policy, new Map(Object.entries(base)))).toEqual({
        ok: false,
        reason: escape + items,
      });
    });

    it.each<[string, Record<string, string>, CollectedChange[]]>([
      ['links through links that stay inside', { a: '.' }, [link('b', 'a/README.md'), link('c', 'a/a/src/../x')]],
      ['a new chain that stays inside', {}, [link('a', 'src'), link('b', 'a/../a/app.js')]],
      ['a link of the base replaced by a directory', { a: '.' }, [write('a/a/f'), link('b', 'a/a/../../x')]],
      ['a link of the base deleted', { a: '.' }, [del('a'), link('b', 'a/a/../../x')]],
      ['an unchanged link of the base that already pointed out', { abs: '/etc', up: '..' }, [write('README.md')]],
      ['an unchanged link of the base next to new links', { abs: '/etc' }, [link('n', 'README.md')]],
    ])('accepts %s', (_name, base, changes) => {
      expect(validateChanges(changes, policy, new Map(Object.entries(base)))).toEqual({ ok: true, changes });
    });
  });

  describe('protectedPaths', () => {
    const setting =
      'They match `protectedPaths` in .github/issue-agent.yml; remove the pattern there to let the agent change them.';

    it.each<[string, CollectedChange[], Partial<typeof policy> & { protectedPaths?: string[] }, string]>([
      [
        'an action, by default',
        [write('.github/actions/setup/action.yml')],
        {},
        `the agent changed protected paths: .github/actions/setup/action.yml (.github/actions/**). ${setting}`,
      ],
      [
        'a deleted action, in another case',
        [del('.GitHub/Actions/x.yml')],
        {},
        'protected paths: .GitHub/Actions/x.yml (.github/actions/**)',
      ],
      [
        'the actions directory replaced by a link',
        [link('.github/actions', 'elsewhere')],
        {},
        '.github/actions (.github/actions/**)',
      ],
      [
        'a path matching a pattern of the repository',
        [write('deploy.pem'), write('src/secrets/key.ts')],
        { protectedPaths: ['src/secrets/**', '**/*.pem'] },
        'protected paths: deploy.pem (**/*.pem), src/secrets/key.ts (src/secrets/**)',
      ],
      [
        '.github/ when workflows are allowed',
        [write('.github/workflows/ci.yml'), write('.github/dependabot.yml')],
        { allowWorkflowChanges: true, protectedPaths: ['.github/**'] },
        'protected paths: .github/dependabot.yml (.github/**)',
      ],
      [
        'a workflow without allowWorkflowChanges, even when protectedPaths leaves it out',
        [write('.github/workflows/ci.yml')],
        { protectedPaths: [] },
        'the agent changed workflow files, which are not allowed: .github/workflows/ci.yml. To allow them, set `allowWorkflowChanges: true`',
      ],
      [
        'the workflows directory replaced by a link',
        [link('.github/workflows', '../ci')],
        {},
        'workflow files, which are not allowed: .github/workflows.',
      ],
    ])('rejects %s', (_name, changes, overrides, reason) => {
      const verdict = validateChanges(changes, { ...policy, ...overrides });
      expect(verdict.ok).toBe(false);
      expect(!verdict.ok && verdict.reason).toContain(reason);
    });

    it.each<[string, CollectedChange[], Partial<typeof policy> & { protectedPaths?: string[] }]>([
      ['an action when protectedPaths is empty', [write('.github/actions/setup/action.yml')], { protectedPaths: [] }],
      [
        'workflows when allowed, whatever the patterns say',
        [write('.github/workflows/ci.yml'), del('.github/workflows/old.yml')],
        { allowWorkflowChanges: true, protectedPaths: ['.github/workflows/**', '**/*.yml'] },
      ],
      ['paths next to the protected ones', [write('.github/actions.md'), write('src/.github/actions/x')], {}],
    ])('accepts %s', (_name, changes, overrides) => {
      expect(validateChanges(changes, { ...policy, ...overrides })).toEqual({ ok: true, changes });
    });
  });

  it('allows workflow changes when configured', () => {
    const changes = [write('.github/workflows/ci.yml'), del('.github/workflows/old.yml')];
    expect(validateChanges(changes, { ...policy, allowWorkflowChanges: true })).toEqual({ ok: true, changes });
  });

  it('reports every problem at once, one line per kind, with long lists shortened', () => {
    const many = Array.from({ length: 12 }, (_, i) => write(`.git/f${i}`));
    const verdict = validateChanges([...many, write('/abs'), write('.github/workflows/a.yml')], policy);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason.split('\n')).toEqual([
      'the agent wrote inside .git/: .git/f0, .git/f1, .git/f2, .git/f3, .git/f4, .git/f5, .git/f6, .git/f7, .git/f8, .git/f9 and 2 more',
      'path outside the repository: /abs',
      expect.stringContaining('workflow files'),
    ]);
  });
});
