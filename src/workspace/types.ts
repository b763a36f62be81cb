/** Git file modes the app commits: regular, executable, symlink. */
export type FileMode = '100644' | '100755' | '120000';

/** One path changed by the agent, relative to the repository root (forward slashes). */
export type FileChange =
  | { kind: 'write'; path: string; mode: FileMode; content: Uint8Array }
  | { kind: 'delete'; path: string };

/** The commit the workspace was cloned at. */
export interface BaseCommit {
  sha: string;
  treeSha: string;
}
