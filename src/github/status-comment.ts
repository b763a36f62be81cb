import type { Logger } from 'pino';
import type { Outcome, Phase } from '../jobs/types.js';
import { redactor } from '../security/redactor.js';
import type { GitHub } from './octokit.js';
import { renderStatus, type StatusView } from './status-text.js';

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
 * The one comment per job that is edited in place from "queued" to its outcome. Edits are
 * chained so they land in order; a failed edit is logged, never thrown into the run.
 */
export class StatusComment {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly gh: GitHub,
    private readonly target: StatusTarget,
    private readonly agent: string,
    private readonly log: Logger,
  ) {}

  phase(phase: Phase, extra: Partial<Extract<StatusView, { phase: Phase }>> = {}): Promise<void> {
    return this.write({ phase, agent: this.agent, ...extra }, false);
  }

  /** Writes any Markdown body (live progress; `final` posts it even if the comment is missing). */
  raw(body: string, final = false): Promise<void> {
    return this.enqueue(body, final);
  }

  /** The final state. If the comment never got posted (a crash in the handler), it is posted now. */
  finish(outcome: Outcome, durationMs?: number, appendix = ''): Promise<void> {
    return this.enqueue(renderStatus({ outcome, agent: this.agent, durationMs }) + appendix, true);
  }

  private write(view: StatusView, final: boolean): Promise<void> {
    return this.enqueue(renderStatus(view), final);
  }

  private enqueue(markdown: string, final: boolean): Promise<void> {
    const body = redactor.redact(markdown);
    const { owner, repo, issueNumber } = this.target;
    this.chain = this.chain.then(async () => {
      try {
        const id = await this.target.commentId();
        if (id !== undefined) await this.gh.rest.issues.updateComment({ owner, repo, comment_id: id, body });
        else if (final) await this.gh.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
      } catch (err) {
        this.log.warn({ err }, 'could not update the status comment');
      }
    });
    return this.chain;
  }
}
