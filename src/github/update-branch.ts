import type { BaseCommit, FileChange } from '../workspace/types.js';
import { httpStatus, type GitHub } from './octokit.js';
import { treeEntries, type TreeEntry } from './tree.js';

export interface CommitOnBranchInput {
  owner: string;
  repo: string;
  /** The branch to add the commit to (without `refs/heads/`). */
  branch: string;
  /** The commit the sandbox worked from (the branch head when the run started). */
  base: BaseCommit;
  changes: FileChange[];
  message: string;
}

export interface BranchCommit {
  /** The new commit, now the branch head. */
  sha: string;
  /** True when the branch had moved and the change was applied on top of the new head. */
  rebased: boolean;
}

/**
 * The branch moved since the run started and the new commits touch files the agent changed too
 * (or the branch was rewritten), so the change cannot be applied. The message is for the maintainer.
 */
export class BranchMovedConflictError extends Error {
  constructor(
    readonly branch: string,
    /** The agent's paths the new commits also changed; empty when the branch was rewritten. */
    readonly files: string[],
    message?: string,
  ) {
    super(
      message ??
        `someone pushed to ${branch} meanwhile and changed ${listFiles(files)}; the agent's change was not applied`,
    );
    this.name = 'BranchMovedConflictError';
  }
}

/** How often the branch may move between reading it and updating it before we give up. */
const MAX_ATTEMPTS = 3;

/** GitHub's compare lists at most this many files; with as many, some may be missing. */
const COMPARE_FILES_LIMIT = 300;

/**
 * Adds one commit with `changes` to an existing branch through the Git Data API, never forcing:
 * - branch head still at `base`: the commit goes on `base` (fast-forward);
 * - head moved and the new commits touch none of the changed paths: the commit goes on the new
 *   head, its tree built from the head's tree (a rebase done by the API);
 * - head moved and a path overlaps, or the branch was rewritten: `BranchMovedConflictError`;
 * - head is exactly this change on `base` (pushed by an earlier attempt): nothing is pushed.
 * Like `publish`, no author is set, so GitHub signs the commit as the app.
 */
export async function commitOnBranch(gh: GitHub, input: CommitOnBranchInput): Promise<BranchCommit> {
  const { owner, repo, branch, base } = input;
  if (input.changes.length === 0) throw new Error('there are no changes to commit');
  // Blobs do not depend on the parent, so they are made once for every attempt.
  const tree = await treeEntries(gh, owner, repo, input.changes);
  for (let attempt = 1; ; attempt++) {
    const { data: ref } = await gh.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
    const head = ref.object.sha;
    const rebased = head !== base.sha;
    let parent = base;
    if (rebased) {
      const moved = await onMovedHead(gh, input, tree, head);
      if (moved.alreadyApplied) return { sha: head, rebased: false };
      parent = { sha: head, treeSha: moved.treeSha };
    }
    const sha = await commitOn(gh, owner, repo, parent, tree, input.message);
    try {
      await gh.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha, force: false });
      return { sha, rebased };
    } catch (err) {
      // 422: not a fast-forward, someone pushed between our read and our update. Look again.
      if (httpStatus(err) !== 422 || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

/**
 * Checks that the commits since `base` leave the changed paths alone and returns the head's
 * tree, or finds that the head is this very change: a rerun after a crash between the push
 * and recording it must not push the same change a second time.
 */
async function onMovedHead(
  gh: GitHub,
  input: CommitOnBranchInput,
  tree: TreeEntry[],
  head: string,
): Promise<{ alreadyApplied: true } | { alreadyApplied: false; treeSha: string }> {
  const { owner, repo, branch, base } = input;
  const { data: cmp } = await gh.rest.repos.compareCommits({ owner, repo, base: base.sha, head });
  if (cmp.status !== 'ahead' && cmp.status !== 'identical') {
    throw new BranchMovedConflictError(
      branch,
      [],
      `someone rewrote ${branch} meanwhile (force-push: the commit the agent worked from is no longer on it); the agent's change was not applied`,
    );
  }
  const touched = (cmp.files ?? []).flatMap((f) =>
    f.previous_filename ? [f.filename, f.previous_filename] : [f.filename],
  );
  if (touched.length >= COMPARE_FILES_LIMIT) {
    throw new BranchMovedConflictError(
      branch,
      [],
      `someone pushed to ${branch} meanwhile and changed too many files to check against the agent's change; the agent's change was not applied`,
    );
  }
  const changed = input.changes.map((c) => c.path);
  const headTree = async () => (await gh.rest.git.getCommit({ owner, repo, commit_sha: head })).data.tree.sha;
  if (cmp.ahead_by === 1 && sameSet(changed, touched)) {
    // One commit on the base touching exactly our paths: it is ours if its tree is the one ours would have.
    const [theirs, ours] = await Promise.all([headTree(), createTree(gh, owner, repo, base.treeSha, tree)]);
    if (theirs === ours) return { alreadyApplied: true };
  }
  const conflicts = overlappingPaths(changed, touched);
  if (conflicts.length > 0) throw new BranchMovedConflictError(branch, conflicts);
  return { alreadyApplied: false, treeSha: await headTree() };
}

async function commitOn(
  gh: GitHub,
  owner: string,
  repo: string,
  parent: BaseCommit,
  tree: TreeEntry[],
  message: string,
): Promise<string> {
  const treeSha = await createTree(gh, owner, repo, parent.treeSha, tree);
  const { data: commit } = await gh.rest.git.createCommit({
    owner,
    repo,
    message,
    tree: treeSha,
    parents: [parent.sha],
  });
  return commit.sha;
}

async function createTree(
  gh: GitHub,
  owner: string,
  repo: string,
  baseTree: string,
  tree: TreeEntry[],
): Promise<string> {
  return (await gh.rest.git.createTree({ owner, repo, base_tree: baseTree, tree })).data.sha;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}

/**
 * The changed paths that someone else's commits also touched: the same path, or one inside the
 * other (a file replaced by a directory of the same name, or the reverse). Sorted, no repeats.
 */
export function overlappingPaths(changed: readonly string[], touched: readonly string[]): string[] {
  const inside = (a: string, b: string) => a === b || a.startsWith(`${b}/`);
  return [...new Set(changed.filter((c) => touched.some((t) => inside(c, t) || inside(t, c))))].sort();
}

function listFiles(files: readonly string[]): string {
  const shown = files.slice(0, 10).join(', ');
  return files.length > 10 ? `${shown} and ${files.length - 10} more` : shown;
}
