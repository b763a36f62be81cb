import type { BaseCommit, FileChange } from '../workspace/types.js';
import { httpStatus, type GitHub } from './octokit.js';
import { treeEntries } from './tree.js';

export interface PublishInput {
  owner: string;
  repo: string;
  base: BaseCommit;
  /** Branch the pull request goes into (the branch that was cloned). */
  baseBranch: string;
  changes: FileChange[];
  branch: string;
  commitMessage: string;
  title: string;
  body: string;
  draft: boolean;
  reviewer?: string;
  /** Told about what failed without failing the PR (a review request GitHub refused). */
  onWarning?(err: unknown, what: string): void;
  /** The branch is this job's own from an earlier attempt: move it instead of picking a new name. */
  reuseBranch?: boolean;
  /** Called as soon as the branch exists, so a rerun after a crash reuses it. */
  onBranch?(branch: string): Promise<void>;
}

export interface Published {
  branch: string;
  commitSha: string;
  number: number;
  url: string;
}

/**
 * Commits the changes through the Git Data API and opens the pull request. No author or
 * committer is set, so GitHub attributes the commit to the app and signs it (Verified).
 */
export async function publish(gh: GitHub, input: PublishInput): Promise<Published> {
  const { owner, repo } = input;
  const { branch, commitSha } = await commitToBranch(gh, input);
  const existing = input.reuseBranch ? await openPullFrom(gh, owner, repo, branch) : undefined;
  if (existing) return { branch, commitSha, number: existing.number, url: existing.html_url };
  const pr = await openPullRequest(gh, { ...input, head: branch });
  return { branch, commitSha, ...pr };
}

/**
 * The changes as one commit on the base commit, on a new branch (suffixed when the name is
 * taken), or on this job's own branch from an earlier attempt (`reuseBranch`). No PR.
 */
export async function commitToBranch(
  gh: GitHub,
  input: Pick<
    PublishInput,
    'owner' | 'repo' | 'base' | 'changes' | 'branch' | 'commitMessage' | 'reuseBranch' | 'onBranch'
  >,
): Promise<{ branch: string; commitSha: string }> {
  const { owner, repo } = input;
  const tree = await treeEntries(gh, owner, repo, input.changes);
  const { data: newTree } = await gh.rest.git.createTree({ owner, repo, base_tree: input.base.treeSha, tree });
  const { data: commit } = await gh.rest.git.createCommit({
    owner,
    repo,
    message: input.commitMessage,
    tree: newTree.sha,
    parents: [input.base.sha],
  });
  const branch = input.reuseBranch
    ? await moveOwnBranch(gh, owner, repo, input.branch, commit.sha)
    : await createBranch(gh, owner, repo, input.branch, commit.sha);
  await input.onBranch?.(branch);
  return { branch, commitSha: commit.sha };
}

/** Opens the pull request from `head` and asks the trigger's sender to review it. */
export async function openPullRequest(
  gh: GitHub,
  input: Pick<PublishInput, 'owner' | 'repo' | 'baseBranch' | 'title' | 'body' | 'draft' | 'reviewer' | 'onWarning'> & {
    head: string;
  },
): Promise<{ number: number; url: string }> {
  const { owner, repo } = input;
  const { data: pr } = await gh.rest.pulls.create({
    owner,
    repo,
    head: input.head,
    base: input.baseBranch,
    title: input.title,
    body: input.body,
    draft: input.draft,
  });
  if (input.reviewer) {
    // A failed review request (e.g. the user cannot review) must not lose the PR.
    await gh.rest.pulls
      .requestReviewers({ owner, repo, pull_number: pr.number, reviewers: [input.reviewer] })
      .catch((err: unknown) => input.onWarning?.(err, 'could not request a review from the trigger user'));
  }
  return { number: pr.number, url: pr.html_url };
}

/** Creates the branch; if the name is taken (an earlier run, a person), suffixes -2, -3, ... */
async function createBranch(gh: GitHub, owner: string, repo: string, name: string, sha: string): Promise<string> {
  for (let n = 1; n <= 20; n++) {
    const candidate = n === 1 ? name : `${name}-${n}`;
    try {
      await gh.rest.git.createRef({ owner, repo, ref: `refs/heads/${candidate}`, sha });
      return candidate;
    } catch (err) {
      if (httpStatus(err) !== 422) throw err;
    }
  }
  throw new Error(`branches ${name} to ${name}-20 all exist already`);
}

/** Points this job's branch (from an earlier attempt) at the new commit, or creates it again. */
async function moveOwnBranch(gh: GitHub, owner: string, repo: string, name: string, sha: string): Promise<string> {
  try {
    await gh.rest.git.updateRef({ owner, repo, ref: `heads/${name}`, sha, force: true });
  } catch (err) {
    if (httpStatus(err) !== 422 && httpStatus(err) !== 404) throw err;
    await gh.rest.git.createRef({ owner, repo, ref: `refs/heads/${name}`, sha });
  }
  return name;
}

/** The open pull request from `branch`, if an earlier attempt opened it. */
async function openPullFrom(gh: GitHub, owner: string, repo: string, branch: string) {
  const { data } = await gh.rest.pulls.list({ owner, repo, head: `${owner}:${branch}`, state: 'open', per_page: 1 });
  return data[0];
}
