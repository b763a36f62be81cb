import type { Logger } from 'pino';
import type { Outcome, Phase } from '../jobs/types.js';
import { redactor } from '../security/redactor.js';
import type { GitHub } from './octokit.js';
import { renderStatus, type StatusView } from './status-text.js';

/**
 * The one comment per job that is edited in place from "queued" to its outcome.
 * Edits are chained so they land in order; a failed edit is logged, never thrown into the run.
 */
export class StatusComment {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly gh: GitHub,
    private readonly where: { owner: string; repo: string; commentId: number },
    private readonly agent: string,
    private readonly log: Logger,
  ) {}

  phase(phase: Phase): Promise<void> {
    return this.write({ phase, agent: this.agent });
  }

  finish(outcome: Outcome, durationMs?: number): Promise<void> {
    return this.write({ outcome, agent: this.agent, durationMs });
  }

  private write(view: StatusView): Promise<void> {
    const body = redactor.redact(renderStatus(view));
    this.chain = this.chain.then(async () => {
      try {
        await this.gh.rest.issues.updateComment({
          owner: this.where.owner,
          repo: this.where.repo,
          comment_id: this.where.commentId,
          body,
        });
      } catch (err) {
        this.log.warn({ err, commentId: this.where.commentId }, 'could not update the status comment');
      }
    });
    return this.chain;
  }
}
