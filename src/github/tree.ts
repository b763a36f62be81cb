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

/** Text up to this size goes inline in the tree request... */
const INLINE_MAX_BYTES = 64 * 1024;
/** ... while the tree request's inline text stays under this; the rest gets blobs. */
const INLINE_BUDGET_BYTES = 1024 * 1024;

/**
 * The tree entries for all changes. Blobs are uploaded one at a time, so only one file's
 * request is in memory at once, and only small text goes inline, so the tree request stays small.
 */
export async function treeEntries(
  gh: GitHub,
  owner: string,
  repo: string,
  changes: readonly FileChange[],
): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  let inline = 0;
  for (const change of changes) {
    const small = change.kind === 'write' && change.content.byteLength <= INLINE_MAX_BYTES;
    const fits = small && inline + change.content.byteLength <= INLINE_BUDGET_BYTES;
    const entry = await treeEntry(gh, owner, repo, change, { inline: fits });
    if (entry.content !== undefined && change.kind === 'write') inline += change.content.byteLength;
    entries.push(entry);
  }
  return entries;
}

/**
 * The tree entry for one change. Text goes inline (unless `inline: false`); binary content
 * gets a blob of its own first.
 */
export async function treeEntry(
  gh: GitHub,
  owner: string,
  repo: string,
  change: FileChange,
  options: { inline: boolean } = { inline: true },
): Promise<TreeEntry> {
  if (change.kind === 'delete') return { path: change.path, mode: '100644', type: 'blob', sha: null };
  const text = options.inline ? utf8(change.content) : undefined;
  if (text !== undefined) return { path: change.path, mode: change.mode, type: 'blob', content: text };
  // Binary content cannot travel inline in a tree (nor large text, see treeEntries): a blob of its own.
  const { data: blob } = await gh.rest.git.createBlob({
    owner,
    repo,
    content: Buffer.from(change.content.buffer, change.content.byteOffset, change.content.byteLength).toString(
      'base64',
    ),
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
