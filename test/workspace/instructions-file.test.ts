import { describe, expect, it } from 'vitest';
import { sandboxRepos } from '../helpers/sandbox-repo.js';
import {
  InstructionsFileError,
  MAX_INSTRUCTIONS_BYTES,
  readInstructionsFile,
} from '../../src/workspace/instructions-file.js';

const repos = sandboxRepos();
const { repo } = repos;

describe('readInstructionsFile', () => {
  it.each<[string, Record<string, string>, string]>([
    ['AGENTS.md first', { 'AGENTS.md': 'a', 'CLAUDE.md': 'c', '.github/copilot-instructions.md': 'g' }, 'AGENTS.md'],
    ['then CLAUDE.md', { 'CLAUDE.md': 'c', '.github/copilot-instructions.md': 'g' }, 'CLAUDE.md'],
    ['then the Copilot file', { '.github/copilot-instructions.md': 'g' }, '.github/copilot-instructions.md'],
  ])('by default takes %s', async (_name, files, path) => {
    const dir = await repo(files);
    const found = await readInstructionsFile(repos.sandbox()!, { dir });
    expect(found).toMatchObject({ path, content: files[path], truncated: false });
  });

  it('has none when no default file exists, and skips a default that is a directory or leads outside', async () => {
    const none = await repo({ 'README.md': '# r\n' });
    expect(await readInstructionsFile(repos.sandbox()!, { dir: none })).toBeUndefined();
    const dir = await repo({ 'AGENTS.md/x': 'not a file', 'CLAUDE.md': 'the one' });
    expect(await readInstructionsFile(repos.sandbox()!, { dir })).toMatchObject({
      path: 'CLAUDE.md',
      content: 'the one',
    });
    const outside = await repo({ '.github/copilot-instructions.md': 'g' }, { 'AGENTS.md': '/etc/hostname' });
    expect(await readInstructionsFile(repos.sandbox()!, { dir: outside })).toMatchObject({
      path: '.github/copilot-instructions.md',
    });
  });

  it('takes the configured file over the defaults, and follows a symlink that stays inside', async () => {
    const dir = await repo({ 'AGENTS.md': 'a', 'docs/agents.md': 'docs' }, { 'CLAUDE.md': 'docs/agents.md' });
    expect(await readInstructionsFile(repos.sandbox()!, { dir, configured: 'docs/agents.md' })).toMatchObject({
      path: 'docs/agents.md',
      content: 'docs',
    });
    expect(await readInstructionsFile(repos.sandbox()!, { dir, configured: 'CLAUDE.md' })).toMatchObject({
      path: 'CLAUDE.md',
      content: 'docs',
    });
  });

  it.each<[string, Record<string, string>, Record<string, string>, string]>([
    ['missing', { 'AGENTS.md': 'a' }, {}, '`instructionsFile`: `docs/agents.md` does not exist in the repository'],
    [
      'a symlink out of the repository',
      {},
      { 'docs/agents.md': '/etc/hostname' },
      '`instructionsFile`: `docs/agents.md` is a symbolic link that leads outside the repository',
    ],
    [
      'a symlink up and out',
      { 'x.md': 'x' },
      { 'docs/agents.md': '../../../../../../etc/hostname' },
      '`instructionsFile`: `docs/agents.md` is a symbolic link that leads outside the repository',
    ],
    ['a directory', { 'docs/agents.md/x': 'x' }, {}, '`instructionsFile`: `docs/agents.md` is not a regular file'],
  ])('refuses a configured file that is %s', async (_name, files, links, message) => {
    const dir = await repo(files);
    for (const [path, target] of Object.entries(links)) {
      await repos.sandbox()!.run(`mkdir -p "$(dirname '${dir}/${path}')" && ln -s '${target}' '${dir}/${path}'`);
    }
    const read = readInstructionsFile(repos.sandbox()!, { dir, configured: 'docs/agents.md' });
    await expect(read).rejects.toBeInstanceOf(InstructionsFileError);
    await expect(read).rejects.toThrow(message);
  });

  it('reads at most MAX_INSTRUCTIONS_BYTES and says it cut the rest', async () => {
    const dir = await repo({ 'AGENTS.md': 'é'.repeat(MAX_INSTRUCTIONS_BYTES) });
    const found = await readInstructionsFile(repos.sandbox()!, { dir });
    expect(found?.truncated).toBe(true);
    expect(Buffer.byteLength(found!.content)).toBeLessThanOrEqual(MAX_INSTRUCTIONS_BYTES);
    expect(found!.content.startsWith('éé')).toBe(true);
  });

  it('reports which of the probed names exist, for the CLIs that read one themselves', async () => {
    const dir = await repo({ 'CLAUDE.md': 'c', '.github/copilot-instructions.md': 'g' });
    const found = await readInstructionsFile(repos.sandbox()!, {
      dir,
      configured: '.github/copilot-instructions.md',
      probe: ['AGENTS.md', 'CLAUDE.md'],
    });
    expect(found).toMatchObject({ path: '.github/copilot-instructions.md', present: ['CLAUDE.md'] });
  });

  it('treats a file name as data, never as shell words', async () => {
    const dir = await repo({ 'AGENTS.md': 'a' });
    const read = readInstructionsFile(repos.sandbox()!, { dir, configured: '$(touch pwned).md' });
    await expect(read).rejects.toThrow('does not exist');
    expect((await repos.sandbox()!.run('ls', { cwd: dir })).stdout).not.toContain('pwned');
  });
});
