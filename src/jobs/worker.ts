import type { Logger } from 'pino';
import type { GitHub } from '../github/octokit.js';
import { StatusComment } from '../github/status-comment.js';
import type { SandboxProvider } from '../sandbox/types.js';
import type { Metrics } from '../metrics.js';
import { runJob } from '../pipeline/run-job.js';
import type { AbortReason, RunJob } from './runner.js';
import type { JobStore, StoredJob } from './store/types.js';

export interface WorkerDeps {
  store: JobStore;
  workerId: string;
  /** An installation client for the job's installation (refreshes its own token). */
  octokitFor(installationId: number): Promise<GitHub>;
  /** A token that can only read `repo` of the installation. */
  mintReadToken(installationId: number, repo: string): Promise<string>;
  provider: SandboxProvider;
  agentEnv: Record<string, string | undefined>;
  appId: string;
  gheHost?: string;
  log: Logger;
  metrics?: Metrics;
  now?: () => number;
}

/** The status comment of a stored job; its id is read from the store when not known yet. */
export function statusCommentFor(gh: GitHub, deps: Pick<WorkerDeps, 'store' | 'log'>, stored: StoredJob): StatusComment {
  const { job } = stored;
  let known = stored.statusCommentId ?? job.statusCommentId;
  return new StatusComment(
    gh,
    {
      owner: job.repo.owner,
      repo: job.repo.name,
      issueNumber: job.issue.number,
      commentId: async () => (known ??= (await deps.store.get(stored.id))?.statusCommentId),
    },
    job.agent,
    deps.log,
  );
}

/**
 * What the runner runs for each claimed job: the pipeline under the job's deadline, with the
 * status comment following each phase and ending on exactly one outcome, written before the
 * store marks the job final (a crash in between reruns the job, which is idempotent, rather
 * than leaving the comment on "running").
 */
export function createWorker(deps: WorkerDeps): RunJob {
  const now = deps.now ?? Date.now;
  return async (stored: StoredJob, signal: AbortSignal) => {
    const job = stored.job;
    const log = deps.log.child({ job: stored.id, repo: `${job.repo.owner}/${job.repo.name}`, issue: job.issue.number, attempt: stored.attempts });
    const started = now();
    const gh = await deps.octokitFor(job.installationId);
    // The handler posts the status comment right after recording the job; a worker that claimed
    // it in between waits for it, so the first phases are not lost (or a second comment posted).
    const commentId = await waitForStatusComment(deps.store, stored, 10_000);
    const status = statusCommentFor(gh, { store: deps.store, log }, { ...stored, statusCommentId: commentId });
    // The deadline counts from the trigger, so time spent queued is part of it.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort({ kind: 'timeout' } satisfies AbortReason), Math.max(0, stored.deadlineAt - now()));
    try {
      log.info({ agent: job.agent }, 'job started');
      deps.metrics?.queueWait.observe((started - job.createdAt) / 1000);
      const runSignal = AbortSignal.any([signal, deadline.signal]);
      const outcome = await runJob(
        { ...job, id: stored.id },
        {
          gh,
          mintReadToken: () => deps.mintReadToken(job.installationId, job.repo.name),
          provider: deps.provider,
          agentEnv: deps.agentEnv,
          appId: deps.appId,
          gheHost: deps.gheHost,
          log,
          onPhase: (phase, note) => void status.phase(phase, { note }),
          onSandbox: (result) => deps.metrics?.sandboxStarts.inc({ result }),
          prior: { sandboxId: stored.sandboxId, branch: stored.branch, prNumber: stored.prNumber },
          record: async (patch) => void (await deps.store.record(stored.id, patch)),
          now,
        },
        runSignal,
      );
      const reason = runSignal.reason as AbortReason | undefined;
      if (reason?.kind === 'lease-lost') {
        log.warn('lost the lease on this job; another replica runs it now');
        return;
      }
      if (reason?.kind === 'shutdown') {
        await deps.store.releaseForShutdown(stored.id, deps.workerId);
        await status.phase('queued', { note: 'the app restarted; this run starts again shortly' });
        log.info('handed the job back for shutdown');
        return;
      }
      log.info({ outcome: outcome.kind, durationMs: now() - started }, 'job finished');
      deps.metrics?.runDuration.observe({ agent: job.agent, outcome: outcome.kind }, (now() - started) / 1000);
      await status.finish(outcome, now() - started);
      await deps.store.finish(stored.id, deps.workerId, outcome);
    } finally {
      clearTimeout(timer);
    }
  };
}

async function waitForStatusComment(store: JobStore, stored: StoredJob, timeoutMs: number): Promise<number | undefined> {
  const until = Date.now() + timeoutMs;
  let id = stored.statusCommentId ?? stored.job.statusCommentId;
  while (id === undefined && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    id = (await store.get(stored.id))?.statusCommentId;
  }
  return id;
}
