import type { Logger } from 'pino';
import type { GitHub } from '../github/octokit.js';
import { StatusComment } from '../github/status-comment.js';
import type { SandboxProvider } from '../sandbox/types.js';
import { runJob } from '../pipeline/run-job.js';
import type { AbortReason, RunJob } from './queue.js';
import type { Job } from './types.js';

export interface WorkerDeps {
  /** An installation client for the job's installation (refreshes its own token). */
  octokitFor(installationId: number): Promise<GitHub>;
  /** A token that can only read `repo` of the installation. */
  mintReadToken(installationId: number, repo: string): Promise<string>;
  provider: SandboxProvider;
  agentEnv: Record<string, string | undefined>;
  appId: string;
  gheHost?: string;
  log: Logger;
  now?: () => number;
}

/**
 * What the queue runs for each job: the pipeline under the job's deadline, with the status
 * comment following each phase and ending on exactly one outcome.
 */
export function createWorker(deps: WorkerDeps): RunJob {
  const now = deps.now ?? Date.now;
  return async (job: Job, signal: AbortSignal) => {
    const log = deps.log.child({ job: job.id, repo: `${job.repo.owner}/${job.repo.name}`, issue: job.issue.number });
    const started = now();
    const gh = await deps.octokitFor(job.installationId);
    const status = new StatusComment(gh, { owner: job.repo.owner, repo: job.repo.name, commentId: job.statusCommentId }, job.agent, log);
    // The deadline counts from the trigger, so time spent queued is part of it.
    const deadline = new AbortController();
    const remaining = job.createdAt + job.config.timeoutMinutes * 60_000 - now();
    const timer = setTimeout(() => deadline.abort({ kind: 'timeout' } satisfies AbortReason), Math.max(0, remaining));
    try {
      log.info({ agent: job.agent }, 'job started');
      const outcome = await runJob(
        job,
        {
          gh,
          mintReadToken: () => deps.mintReadToken(job.installationId, job.repo.name),
          provider: deps.provider,
          agentEnv: deps.agentEnv,
          appId: deps.appId,
          gheHost: deps.gheHost,
          log,
          onPhase: (phase) => void status.phase(phase),
          now,
        },
        AbortSignal.any([signal, deadline.signal]),
      );
      log.info({ outcome: outcome.kind, durationMs: now() - started }, 'job finished');
      await status.finish(outcome, now() - started);
    } finally {
      clearTimeout(timer);
    }
  };
}
