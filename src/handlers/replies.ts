import { ACKNOWLEDGEMENT, type GitHub, type WriteRequestOptions } from '../github/octokit.js';

/** Where a trigger happened: the issue or pull request, and the comment if it was one. */
export interface Thread {
  owner: string;
  repo: string;
  issue_number: number;
  commentId?: number;
  /** Review comments take reactions through another endpoint. */
  reviewComment?: boolean;
}

/** Posts a comment on the issue or pull request (`request`: ACKNOWLEDGEMENT for a job's first status comment). */
export async function reply(gh: GitHub, t: Thread, body: string, request?: WriteRequestOptions): Promise<number> {
  const { data } = await gh.rest.issues.createComment({
    owner: t.owner,
    repo: t.repo,
    issue_number: t.issue_number,
    body,
    ...(request && { request: { ...request } }),
  });
  return data.id;
}

/** 👀 on the comment that triggered, or on the issue for a label: ahead of the installation's background writes. */
export async function acknowledge(gh: GitHub, t: Thread): Promise<void> {
  const request = { ...ACKNOWLEDGEMENT };
  if (t.commentId !== undefined && t.reviewComment) {
    await gh.rest.reactions.createForPullRequestReviewComment({
      owner: t.owner,
      repo: t.repo,
      comment_id: t.commentId,
      content: 'eyes',
      request,
    });
  } else if (t.commentId !== undefined) {
    await gh.rest.reactions.createForIssueComment({
      owner: t.owner,
      repo: t.repo,
      comment_id: t.commentId,
      content: 'eyes',
      request,
    });
  } else {
    await gh.rest.reactions.createForIssue({
      owner: t.owner,
      repo: t.repo,
      issue_number: t.issue_number,
      content: 'eyes',
      request,
    });
  }
}

export async function editComment(gh: GitHub, t: Thread, commentId: number, body: string): Promise<void> {
  await gh.rest.issues.updateComment({ owner: t.owner, repo: t.repo, comment_id: commentId, body });
}
