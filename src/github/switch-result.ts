import type { GitHub } from './octokit.js';

/**
 * A new commit on `branch` whose tree is the tree of `treeOf` (another branch's result), on
 * top of the branch's head: the switch shows in the PR's history, and nothing is force-pushed.
 * Returns the new commit's SHA.
 */
export async function commitTreeOf(
  gh: GitHub,
  input: { owner: string; repo: string; branch: string; headSha: string; treeOf: string; message: string },
): Promise<string> {
  const { owner, repo } = input;
  const { data: source } = await gh.rest.git.getCommit({ owner, repo, commit_sha: input.treeOf });
  const { data: commit } = await gh.rest.git.createCommit({
    owner,
    repo,
    message: input.message,
    tree: source.tree.sha,
    parents: [input.headSha],
  });
  // Not forced: someone who pushed to the PR meanwhile gets a failed pick, not a lost commit.
  await gh.rest.git.updateRef({ owner, repo, ref: `heads/${input.branch}`, sha: commit.sha, force: false });
  return commit.sha;
}
