import { quote } from '../sandbox/shell.js';
import type { Sandbox } from '../sandbox/types.js';
import { CollectError } from './collect-changes.js';
import { parseCatFileBatch } from './git-output.js';
import { runChecked, safeGit, withSandboxTempDir } from './git.js';
import type { TreeLinks } from './validate-changes.js';

const text = new TextDecoder();

/**
 * The symlinks of a commit's tree, path -> target: what `validateChanges` resolves the agent's
 * links through. Read with the same safe git as collection, into files read as bytes.
 */
export async function readTreeLinks(
  sandbox: Sandbox,
  dir: string,
  commit: string,
  signal?: AbortSignal,
): Promise<TreeLinks> {
  const fail = (message: string) => new CollectError(`listing the symlinks of ${commit}: ${message}`);
  return withSandboxTempDir(sandbox, 'issue-agent-links', dir, fail, signal, async (tmp) => {
    try {
      await runChecked(
        sandbox,
        `${safeGit('ls-tree', '-r', '-z', '--full-tree', commit)} > ${quote(`${tmp}/tree`)}`,
        dir,
        fail,
        signal,
      );
      const links = parseLsTreeLinks(await sandbox.readFile(`${tmp}/tree`));
      if (links.length === 0) return new Map();
      await sandbox.writeFile(`${tmp}/links`, links.map((l) => l.sha).join('\n') + '\n');
      await runChecked(
        sandbox,
        `${safeGit('cat-file', '--batch')} < ${quote(`${tmp}/links`)} > ${quote(`${tmp}/targets`)}`,
        dir,
        fail,
        signal,
      );
      const targets = parseCatFileBatch(await sandbox.readFile(`${tmp}/targets`));
      return new Map(links.map((l) => [l.path, text.decode(targets.get(l.sha))]));
    } catch (err) {
      throw err instanceof CollectError ? err : fail((err as Error).message);
    }
  });
}

/** The symlink entries of `git ls-tree -r -z`: "mode type sha\tpath\0" per entry. */
export function parseLsTreeLinks(bytes: Uint8Array): { path: string; sha: string }[] {
  const links: { path: string; sha: string }[] = [];
  let start = 0;
  for (let end = bytes.indexOf(0, start); end >= 0; end = bytes.indexOf(0, start)) {
    const entry = bytes.subarray(start, end);
    start = end + 1;
    const tab = entry.indexOf(0x09);
    const match = /^120000 blob ([0-9a-f]+)$/.exec(text.decode(entry.subarray(0, tab)));
    if (tab >= 0 && match) links.push({ sha: match[1]!, path: text.decode(entry.subarray(tab + 1)) });
  }
  return links;
}
