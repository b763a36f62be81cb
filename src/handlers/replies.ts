import type { Context } from 'probot';
import { redactor } from '../security/redactor.js';

type IssueContext = Context<'issues.labeled'> | Context<'issue_comment.created'>;

/** Posts a comment on the triggering issue or pull request (redacted, like everything we write). */
export async function reply(context: IssueContext, body: string): Promise<number> {
  const { data } = await context.octokit.rest.issues.createComment(context.issue({ body: redactor.redact(body) }));
  return data.id;
}

/** 👀 on the comment that triggered, or on the issue for a label. */
export async function acknowledge(context: IssueContext): Promise<void> {
  if (context.name === 'issue_comment') {
    const { payload } = context as Context<'issue_comment.created'>;
    await context.octokit.rest.reactions.createForIssueComment(context.repo({ comment_id: payload.comment.id, content: 'eyes' as const }));
  } else {
    await context.octokit.rest.reactions.createForIssue(context.issue({ content: 'eyes' as const }));
  }
}
