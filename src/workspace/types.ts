/** Git file modes the app commits: regular, executable, symlink. */
export type FileMode = '100644' | '100755' | '120000';

/** One path changed by the agent, relative to the repository root (forward slashes). */
export type FileChange =
  { kind: 'write'; path: string; mode: FileMode; content: Uint8Array } | { kind: 'delete'; path: string };

/** The commit the workspace was cloned at. */
export interface BaseCommit {
  sha: string;
  treeSha: string;
}

/**
 * A path the agent changed that is not taken out of the sandbox: its content is too large,
 * it is a nested repository (gitlink), or it lies inside `.git/`. Validation rejects every one.
 */
export interface OmittedChange {
  kind: 'omitted';
  path: string;
  reason: 'too-large' | 'gitlink' | 'git-internal';
  /** Size in bytes, for too-large files. */
  size?: number;
}

/**
 * What collection reports. Only `validateChanges` turns it into committable `FileChange`s,
 * so nothing unvalidated can reach the publisher by type.
 */
export type CollectedChange = FileChange | OmittedChange;
