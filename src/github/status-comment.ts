import type { Outcome } from '../domain/outcome.js';
import type { GitHub, WriteRequestOptions } from './octokit.js';
import { renderStatus } from './status-text.js';

export interface StatusTarget {
  owner: string;
  repo: string;
  issueNumber: number;
  /**
   * The comment's id. The handler posts the comment right after recording the job, so a fast
   * worker may start before the id is known: it is looked up again at each write.
   */
  commentId(): Promise<number | undefined>;
}

/**
 * The one comment per job that is edited in place from "queued" to its outcome. Callers keep
 * the edits in order (the worker's throttled writer); a failed edit rejects.
 */
export class StatusComment {
  constructor(
    private readonly gh: GitHub,
    private readonly target: StatusTarget,
    private readonly agent: string,
  ) {}

  /**
   * Writes a Markdown body. `final` posts it as a new comment if the first one never got posted.
   * An edit still waiting in the installation's write queue when `superseded` aborts is not sent.
   */
  async write(markdown: string, final = false, superseded?: AbortSignal): Promise<void> {
    const body = markdown;
    const { owner, repo, issueNumber } = this.target;
    const id = await this.target.commentId();
    if (id !== undefined)
      await this.gh.rest.issues.updateComment({
        owner,
        repo,
        comment_id: id,
        body,
        ...(superseded && { request: { superseded } satisfies WriteRequestOptions }),
      });
    else if (final) await this.gh.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  }

  /** The final state. */
  finish(outcome: Outcome, durationMs?: number): Promise<void> {
    return this.write(renderStatus({ outcome, agent: this.agent, durationMs }), true);
  }
}
