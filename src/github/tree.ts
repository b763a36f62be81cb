import type { FileChange } from '../workspace/types.js';
import type { GitHub } from './octokit.js';

/** One entry of a `git.createTree` request: inline text, a blob sha, or `sha: null` to delete. */
export type TreeEntry = {
  path: string;
  mode: '100644' | '100755' | '120000';
  type: 'blob';
  sha?: string | null;
  content?: string;
};

/** The tree entry for one change. Text goes inline; binary content gets a blob of its own first. */
export async function treeEntry(gh: GitHub, owner: string, repo: string, change: FileChange): Promise<TreeEntry> {
  if (change.kind === 'delete') return { path: change.path, mode: '100644', type: 'blob', sha: null };
  const text = utf8(change.content);
  if (text !== undefined) return { path: change.path, mode: change.mode, type: 'blob', content: text };
  // Binary content cannot travel inline in a tree; it needs a blob of its own.
  const { data: blob } = await gh.rest.git.createBlob({
    owner,
    repo,
    content: Buffer.from(change.content).toString('base64'),
    encoding: 'base64',
  });
  return { path: change.path, mode: change.mode, type: 'blob', sha: blob.sha };
}

/** The text of valid UTF-8 content without NUL bytes, else undefined (binary). */
export function utf8(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
