import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { command } from '../../src/sandbox/shell.js';
import { cloneRepository } from '../../src/workspace/clone.js';
import { ChangeLimitError, collectChanges } from '../../src/workspace/collect-changes.js';
import { takeGitFingerprint } from '../../src/workspace/git-fingerprint.js';
import { readTreeLinks } from '../../src/workspace/tree-links.js';
import type { CollectedChange } from '../../src/workspace/types.js';
import { validateChanges } from '../../src/workspace/validate-changes.js';
import { agent, sandboxPerTest, type SourceFile } from './helpers.js';

const text = (s: string) => new TextEncoder().encode(s);
const policy = { maxFileSizeMB: 10, allowWorkflowChanges: false };

const perTest = sandboxPerTest();

/** Clones a small repository, lets `script` act as the agent in it, and collects. */
async function run(
  script: string,
  options: {
    maxFileSizeMB?: number;
    maxChangeMB?: number;
    maxFiles?: number;
    before?: (dir: string) => Promise<void>;
    files?: Record<string, SourceFile>;
  } = {},
) {
  const { repo, sandbox, dir } = await perTest.repoAndSandbox({
    ...options.files,
    'README.md': 'hello\n',
    'old.txt': 'to be deleted\n',
    'script.sh': '#!/bin/sh\necho hi\n',
    'tool.sh': { content: '#!/bin/sh\n', executable: true },
    'src/app.js': 'export {};\n',
    '.gitignore': '*.log\nbuild/\n',
  });
  const base = await cloneRepository(sandbox, { cloneUrl: repo.url, branch: 'main', token: '', dir });
  const fingerprint = await takeGitFingerprint(sandbox, dir);
  await options.before?.(dir);
  if (script) await agent(sandbox, dir, script);
  const changes = await collectChanges(sandbox, {
    dir,
    base,
    fingerprint,
    maxFileSizeMB: options.maxFileSizeMB ?? 10,
    maxChangeMB: options.maxChangeMB ?? 50,
    maxFiles: options.maxFiles ?? 500,
  });
  return { changes, dir, sandbox, base };
}

function byPath(changes: CollectedChange[]): Record<string, CollectedChange> {
  return Object.fromEntries(changes.map((c) => [c.path, c]));
}

describe('collectChanges', () => {
  it('finds nothing when nothing changed, ignored files included', async () => {
    const { changes } = await run('echo x > debug.log && mkdir -p build && echo y > build/out.js');
    expect(changes).toEqual([]);
  });

  it('collects an edit, a new file in new nested directories and a deletion', async () => {
    const { changes } = await run(
      'echo changed > README.md && mkdir -p a/b/c && echo new > a/b/c/new.txt && rm old.txt',
    );
    expect(changes).toEqual([
      { kind: 'write', path: 'README.md', mode: '100644', content: text('changed\n') },
      { kind: 'write', path: 'a/b/c/new.txt', mode: '100644', content: text('new\n') },
      { kind: 'delete', path: 'old.txt' },
    ]);
  });

  it('collects executable bits set and cleared', async () => {
    const { changes } = await run('chmod +x script.sh && chmod -x tool.sh');
    expect(changes).toEqual([
      { kind: 'write', path: 'script.sh', mode: '100755', content: text('#!/bin/sh\necho hi\n') },
      { kind: 'write', path: 'tool.sh', mode: '100644', content: text('#!/bin/sh\n') },
    ]);
  });

  it('collects symlinks with their target as content, including a file turned into a link', async () => {
    const { changes } = await run('ln -s src/app.js link && rm old.txt && ln -s README.md old.txt');
    expect(changes).toEqual([
      { kind: 'write', path: 'link', mode: '120000', content: text('src/app.js') },
      { kind: 'write', path: 'old.txt', mode: '120000', content: text('README.md') },
    ]);
  });

  it('round-trips binary content byte for byte', async () => {
    const bytes = new Uint8Array([
      0x00,
      0xff,
      0xfe,
      0x0a,
      0xc3,
      0x28,
      0x0d,
      0x0a,
      0x00,
      ...Array.from({ length: 256 }, (_, i) => i),
    ]);
    const { changes } = await run('', { before: (dir) => perTest.sandbox!.writeFile(`${dir}/data.bin`, bytes) });
    expect(changes).toHaveLength(1);
    const [change] = changes;
    expect(change).toMatchObject({ kind: 'write', path: 'data.bin', mode: '100644' });
    expect(change?.kind === 'write' && Buffer.from(change.content).equals(Buffer.from(bytes))).toBe(true);
  });

  it('collects what the agent committed, against the cloned commit', async () => {
    const { changes } = await run(
      [
        'echo one > committed.txt && echo temp > temp.txt && git add -A && git commit -qm one',
        'rm temp.txt && echo two > README.md && git commit -qam two',
        'echo three > uncommitted.txt',
      ].join(' && '),
    );
    expect(changes).toEqual([
      { kind: 'write', path: 'README.md', mode: '100644', content: text('two\n') },
      { kind: 'write', path: 'committed.txt', mode: '100644', content: text('one\n') },
      { kind: 'write', path: 'uncommitted.txt', mode: '100644', content: text('three\n') },
    ]);
  });

  it('keeps paths with spaces, unicode, quotes and newlines exact', async () => {
    const names = ['dir with space/naïve 文件.txt', 'quote"and\'s.txt', 'line\nbreak.txt', '-dash.txt'];
    const { changes } = await run(
      names.map((n) => `mkdir -p -- "$(dirname -- ${command(n)})" && echo x > ${command(n)}`).join(' && '),
    );
    expect(changes.map((c) => c.path).sort()).toEqual([...names].sort());
  });

  it('reports a file over the size limit without its content, and still collects the others', async () => {
    const { changes } = await run('head -c 3000 /dev/zero > big.bin && echo small > small.txt', {
      maxFileSizeMB: 0.002,
    });
    expect(byPath(changes)).toEqual({
      'big.bin': { kind: 'omitted', path: 'big.bin', reason: 'too-large', size: 3000 },
      'small.txt': { kind: 'write', path: 'small.txt', mode: '100644', content: text('small\n') },
    });
    expect(validateChanges(changes, { ...policy, maxFileSizeMB: 0.002 })).toEqual({
      ok: false,
      reason: 'file over the 0.002 MB limit (maxFileSizeMB in .github/issue-agent.yml): big.bin (0.0 MB)',
    });
  });

  it('refuses a change over maxChangeMB, naming it; files over maxFileSizeMB do not count', async () => {
    const script = 'for i in 1 2 3; do head -c 1048576 /dev/urandom > big$i.bin; done';
    const error = await run(script, { maxChangeMB: 2.5 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ChangeLimitError);
    expect((error as Error).message).toBe(
      "the agent's changed files total 3.0 MB, more than the 2.5 MB allowed (maxChangeMB in .github/issue-agent.yml)",
    );
    // Within the limit the same change is collected; files over maxFileSizeMB do not count (they are not read).
    expect((await run(script, { maxChangeMB: 3 })).changes).toHaveLength(3);
    const { changes } = await run(script, { maxChangeMB: 1, maxFileSizeMB: 0.5 });
    expect(changes.map((c) => c.kind)).toEqual(['omitted', 'omitted', 'omitted']);
  });

  it('reads no content when the total is over the limit: the sizes come first', async () => {
    const { sandbox, dir, repo } = await perTest.repoAndSandbox({ 'README.md': 'hello\n' });
    const base = await cloneRepository(sandbox, { cloneUrl: repo.url, branch: 'main', token: '', dir });
    const fingerprint = await takeGitFingerprint(sandbox, dir);
    await agent(sandbox, dir, 'head -c 3000000 /dev/zero > big.bin');
    const read: string[] = [];
    const readFile = sandbox.readFile.bind(sandbox);
    sandbox.readFile = (path) => (read.push(path), readFile(path));
    const options = { dir, base, fingerprint, maxFileSizeMB: 10, maxChangeMB: 2, maxFiles: 500 };
    await expect(collectChanges(sandbox, options)).rejects.toBeInstanceOf(ChangeLimitError);
    expect(read.map((p) => p.split('/').pop())).toEqual(['diff']);
  });

  it('refuses more changed paths than maxFiles, deletions included', async () => {
    const error = await run('rm old.txt && for i in 1 2 3 4; do echo $i > f$i.txt; done', { maxFiles: 4 }).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ChangeLimitError);
    expect((error as Error).message).toBe(
      'the agent changed 5 files, more than the 4 allowed (maxFiles in .github/issue-agent.yml)',
    );
    expect((await run('for i in 1 2 3 4; do echo $i > f$i.txt; done', { maxFiles: 4 })).changes).toHaveLength(4);
  });

  it('reports a nested repository as a gitlink, which validation rejects', async () => {
    const { changes } = await run(
      'mkdir nested && cd nested && git init -q && echo x > f && git add f && git commit -qm x',
    );
    expect(changes).toEqual([{ kind: 'omitted', path: 'nested', reason: 'gitlink' }]);
    expect(validateChanges(changes, policy)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('nested git repository'),
    });
  });

  it('rejects a hook written under .git/ without running git in that repository', async () => {
    const { changes, dir } = await run(
      'printf "#!/bin/sh\\ntouch ../hooked\\n" > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit && git config core.fsmonitor "touch ../monitored"',
    );
    expect(changes).toEqual([
      { kind: 'omitted', path: '.git/config', reason: 'git-internal' },
      { kind: 'omitted', path: '.git/hooks/pre-commit', reason: 'git-internal' },
    ]);
    expect(validateChanges(changes, policy)).toEqual({
      ok: false,
      reason: 'the agent wrote inside .git/: .git/config, .git/hooks/pre-commit',
    });
    expect(existsSync(join(dir, '../monitored'))).toBe(false);
  });

  it('rejects .git replaced by a pointer to another repository', async () => {
    const { changes } = await run('mv .git ../elsewhere && echo "gitdir: ../elsewhere" > .git');
    expect(changes).toEqual([{ kind: 'omitted', path: '.git', reason: 'git-internal' }]);
  });

  it('accepts git bookkeeping from commits and gc, and info/exclude edits are caught', async () => {
    const clean = await run('echo a > a.txt && git add a.txt && git commit -qm a && git gc -q && git stash list');
    expect(clean.changes).toEqual([{ kind: 'write', path: 'a.txt', mode: '100644', content: text('a\n') }]);
    await perTest.sandbox?.kill();
    const hidden = await run('echo secret > hidden.txt && echo hidden.txt >> .git/info/exclude');
    expect(hidden.changes).toEqual([{ kind: 'omitted', path: '.git/info/exclude', reason: 'git-internal' }]);
  });

  it('ignores hooks, fsmonitor and filters from config outside the repository', async () => {
    const { changes, dir } = await run(
      [
        'printf "#!/bin/sh\\ntouch $HOME/monitored\\n" > $HOME/monitor.sh && chmod +x $HOME/monitor.sh',
        'printf "[core]\\n\\tfsmonitor = $HOME/monitor.sh\\n[filter \\"evil\\"]\\n\\tclean = touch $HOME/filtered; cat\\n" > $HOME/.gitconfig',
        'echo "*.txt filter=evil" > .gitattributes && echo x > x.txt',
      ].join(' && '),
    );
    expect(changes.map((c) => c.path)).toEqual(['.gitattributes', 'x.txt']);
    expect(existsSync(join(dir, '../monitored'))).toBe(false);
    expect(existsSync(join(dir, '../filtered'))).toBe(false);
  });

  it('rejects symlinks out of the repository and workflow files, and leaves no temp files behind', async () => {
    const { changes, sandbox: box } = await run(
      'ln -s ../../etc/passwd up && ln -s /etc/passwd abs && mkdir -p .github/workflows && echo "on: push" > .github/workflows/ci.yml',
    );
    expect(byPath(changes)).toMatchObject({
      up: { kind: 'write', mode: '120000', content: text('../../etc/passwd') },
      abs: { kind: 'write', mode: '120000', content: text('/etc/passwd') },
    });
    const verdict = validateChanges(changes, policy);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason.split('\n')).toEqual([
      expect.stringMatching(
        /^the agent changed workflow files, which are not allowed: \.github\/workflows\/ci\.yml\..*`workflows` permission/,
      ),
      'symlink pointing outside the repository or into .git/: abs -> /etc/passwd, up -> ../../etc/passwd',
    ]);
    expect(readdirSync(box.home).filter((n) => n.startsWith('issue-agent-collect'))).toEqual([]);
  });

  it('rejects a link that leaves the repository through links of the base or of the agent', async () => {
    const { changes, sandbox, dir, base } = await run(
      'ln -s a/a/../../etc/passwd b && ln -s . c && mkdir d && ln -s ../c/c/../../etc/passwd d/e',
      { files: { a: { symlink: '.' }, 'sub dir/x': { symlink: '../README.md' } } },
    );
    const links = await readTreeLinks(sandbox, dir, base.sha);
    expect(links).toEqual(
      new Map([
        ['a', '.'],
        ['sub dir/x', '../README.md'],
      ]),
    );
    expect(validateChanges(changes, policy, links)).toEqual({
      ok: false,
      reason:
        'symlink pointing outside the repository or into .git/: b -> a/a/../../etc/passwd, d/e -> ../c/c/../../etc/passwd',
    });
  });

  it('collects the working tree whatever the agent did to its index', async () => {
    const { changes, sandbox, dir } = await run(
      [
        // Edits and a deletion hidden behind skip-worktree and assume-unchanged.
        'echo hidden > README.md && git update-index --skip-worktree README.md',
        'git update-index --assume-unchanged src/app.js && echo also hidden > src/app.js',
        'rm old.txt && git update-index --skip-worktree old.txt',
        // Staged content that differs from the working tree, and a staged file that is gone.
        'echo staged > tool.sh && git add tool.sh && echo worktree > tool.sh',
        'echo staged > gone.txt && git add gone.txt && git update-index --skip-worktree gone.txt && rm gone.txt',
        'echo unstaged > new.txt',
      ].join(' && '),
    );
    expect(changes).toEqual([
      { kind: 'write', path: 'README.md', mode: '100644', content: text('hidden\n') },
      { kind: 'write', path: 'new.txt', mode: '100644', content: text('unstaged\n') },
      { kind: 'delete', path: 'old.txt' },
      { kind: 'write', path: 'src/app.js', mode: '100644', content: text('also hidden\n') },
      { kind: 'write', path: 'tool.sh', mode: '100755', content: text('worktree\n') },
    ]);
    // The agent's own index is left as it was (a follow-up continues from it).
    const staged = await sandbox.run('git diff --cached --name-only', { cwd: dir });
    expect(staged.stdout.split('\n').filter(Boolean)).toEqual(['gone.txt', 'tool.sh']);
  });

  it('rejects .git spelled the way HFS+ reads it, and git itself refuses the NTFS spellings', async () => {
    const hfs = await run(
      `mkdir -p "$(printf '.g\\u200cit/hooks')" && echo x > "$(printf '.g\\u200cit/hooks/post-checkout')"`,
    );
    expect(hfs.changes.map((c) => c.path)).toEqual(['.g\u200cit/hooks/post-checkout']);
    expect(validateChanges(hfs.changes, policy)).toEqual({
      ok: false,
      reason: 'the agent wrote inside .git/: .g\u200cit/hooks/post-checkout',
    });
    await perTest.sandbox?.kill();
    await expect(
      run("mkdir -p '.git::$INDEX_ALLOCATION' && echo x > '.git::$INDEX_ALLOCATION/config'"),
    ).rejects.toThrow(/could not collect the agent's changes: .*invalid path '\.git::\$INDEX_ALLOCATION\/config'/s);
  });

  it('rejects changes to protected paths, naming the path, the pattern and the setting', async () => {
    const { changes } = await run(
      'mkdir -p .github/actions/setup && echo "runs: {}" > .github/actions/setup/action.yml && echo x > deploy.sh',
    );
    expect(validateChanges(changes, { ...policy, protectedPaths: ['.github/actions/**', 'deploy.sh'] })).toEqual({
      ok: false,
      reason:
        'the agent changed protected paths: .github/actions/setup/action.yml (.github/actions/**), deploy.sh (deploy.sh). ' +
        'They match `protectedPaths` in .github/issue-agent.yml; remove the pattern there to let the agent change them.',
    });
  });
});
