import type { Logger } from 'pino';
import type { GitHub } from '../github/octokit.js';
import { checkConclusion, completeCheckRun, startCheckRun } from '../github/check-run.js';
import { ActionLog, createThrottledWriter, renderActionLogDetails, renderProgress } from '../github/progress.js';
import { NEEDS_HUMAN_LABEL } from '../github/ci-checks.js';
import { costText } from '../github/cost-text.js';
import { StatusComment } from '../github/status-comment.js';
import { renderStatus, type MemberStatus } from '../github/status-text.js';
import type { SandboxProvider } from '../sandbox/types.js';
import { openSession, type SessionDeps } from '../broker/session.js';
import type { UsageFeed } from '../broker/usage-feed.js';
import type { SecretFinder } from '../security/content-guard.js';
import { TranscriptRecorder } from './transcript-recorder.js';
import type { Metrics } from '../telemetry/metrics.js';
import { runJob, type PipelineDeps } from './run-job.js';
import { runCompareGroup } from './compare-group.js';
import type { RunJob } from '../jobs/runner.js';
import type { AbortReason } from '../domain/abort.js';
import type { JobStore, StoredJob } from '../jobs/store/types.js';
import { shownAgent, type Job } from '../domain/job.js';
import type { Outcome, Phase } from '../domain/outcome.js';

export interface WorkerDeps {
  store: JobStore;
  workerId: string;
  /** An installation client for the job's installation (refreshes its own token). */
  octokitFor(installationId: number): Promise<GitHub>;
  /** A token that can only read `repo` of the installation (the clone without the broker). */
  mintReadToken(installationId: number, repo: string): Promise<string>;
  /** The broker, when sandboxes can reach the app; undefined: keys and a read token enter the sandbox. */
  broker?: { session: SessionDeps; feed: UsageFeed };
  provider: SandboxProvider;
  agentEnv: Record<string, string | undefined>;
  /** The secrets the app holds (the Redactor): the changes are checked for them before committing. */
  secrets: SecretFinder & { redact(text: string): string };
  appId: string;
  gheHost?: string;
  /** The page of a job in the web view, when it is on and PUBLIC_URL is set: linked from the status comment and PR. */
  runUrl?: (jobId: string) => string;
  log: Logger;
  metrics?: Metrics;
  /** Least time between two live-progress edits of a status comment (GitHub's secondary rate limits). */
  progressIntervalMs?: number;
  now?: () => number;
}

/** The status comment of a stored job; its id is read from the store when not known yet. */
export function statusCommentFor(gh: GitHub, deps: Pick<WorkerDeps, 'store'>, stored: StoredJob): StatusComment {
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
    shownAgent(job),
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
    const log = deps.log.child({
      job: stored.id,
      repo: `${job.repo.owner}/${job.repo.name}`,
      issue: job.issue.number,
      attempt: stored.attempts,
    });
    const started = now();
    const runUrl = deps.runUrl?.(stored.id);
    // The run's transcript for the web view: every phase and agent event, redacted and bounded.
    const transcript = await TranscriptRecorder.open({
      store: deps.store,
      jobId: stored.id,
      redact: (text) => deps.secrets.redact(text),
      log,
      now,
    });
    const gh = await deps.octokitFor(job.installationId);
    // The handler posts the status comment right after recording the job; a worker that claimed
    // it in between waits for it, so the first phases are not lost (or a second comment posted).
    const commentId = await waitForStatusComment(deps.store, stored, 10_000);
    const status = statusCommentFor(gh, deps, { ...stored, statusCommentId: commentId });
    // Live progress: phase, elapsed time, the last actions and the cost, at most one edit per interval.
    const actions = new ActionLog();
    let phase: Phase = 'starting';
    let note: string | undefined;
    // What the agent was given (the instructions file): shown live and kept in the final state.
    const context: string[] = [];
    let costUsd: number | undefined;
    let final = false;
    const writer = createThrottledWriter({
      write: (body, superseded) => status.write(body, final, superseded),
      minIntervalMs: deps.progressIntervalMs ?? 10_000,
      onError: (err) => log.warn({ err }, 'could not update the status comment'),
    });
    // A compare group: each agent's phase, in the order named.
    const members = job.compare?.agents.map((agent): MemberStatus => ({ agent, phase: 'starting' }));
    const member = (agent: string) => members!.find((m) => m.agent === agent)!;
    const progress = () =>
      renderProgress({
        phase,
        agent: shownAgent(job),
        members,
        elapsedMs: now() - started,
        actions: actions.actions,
        costUsd,
        totalActions: actions.total,
        note,
        context,
        runUrl,
      });
    // Quiet stretches (setup, verify, an agent thinking) still show time passing: one edit a minute.
    const ticker = setInterval(() => final || writer.update(progress()), (deps.progressIntervalMs ?? 10_000) * 6);
    ticker.unref();
    // The deadline counts from the trigger, so time spent queued is part of it.
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort({ kind: 'timeout' } satisfies AbortReason),
      Math.max(0, stored.deadlineAt - now()),
    );
    // The broker's meter is the cost from the first call on: live in the status comment.
    const unsubscribe = deps.broker?.feed.subscribe(stored.id, (totals) => {
      costUsd = totals.costUsd;
      writer.update(progress());
    });
    try {
      log.info({ agent: job.agent }, 'job started');
      deps.metrics?.queueWait.observe((started - job.createdAt) / 1000);
      const runSignal = AbortSignal.any([signal, deadline.signal]);
      const broker =
        deps.broker &&
        (await openSession(deps.broker.session, stored, async (capabilityHash) => {
          if (!(await deps.store.record(stored.id, { capabilityHash }, deps.workerId)))
            throw new Error('the job is no longer this worker’s');
        }));
      const pipelineDeps: PipelineDeps = {
        gh,
        mintReadToken: () => deps.mintReadToken(job.installationId, job.repo.name),
        broker,
        provider: deps.provider,
        agentEnv: deps.agentEnv,
        secrets: deps.secrets,
        appId: deps.appId,
        gheHost: deps.gheHost,
        runUrl,
        log,
        onPhase: (p, n) => {
          phase = p;
          note = n;
          transcript.phase(p, n);
          log.info({ phase: p, ...(n && { note: n }) }, 'phase');
          writer.update(progress());
        },
        onVerify: (results) => transcript.verify(results),
        onContext: (line) => {
          if (context.includes(line)) return;
          context.push(line);
          writer.update(progress());
        },
        onAgentEvent: (event) => {
          transcript.event(event);
          if (actions.append(event, now() - started)) writer.update(progress());
        },
        onCost: (total) => {
          costUsd = total;
          writer.update(progress());
        },
        onSandbox: (result) => deps.metrics?.sandboxStarts.inc({ result }),
        prior: {
          sandboxId: stored.sandboxId,
          branch: stored.branch,
          prNumber: stored.prNumber,
          checkpoint: stored.checkpoint,
        },
        record: async (patch) => void (await deps.store.record(stored.id, patch, deps.workerId)),
        now,
      };
      const outcome = job.compare
        ? await runCompareGroup(
            { ...job, id: stored.id },
            {
              ...pipelineDeps,
              onMember: (agent, p, n) => {
                Object.assign(member(agent), { phase: p, note: n });
                log.info({ agent, phase: p, ...(n && { note: n }) }, 'phase');
                writer.update(progress());
              },
              onMemberDone: (agent, o) => {
                member(agent).outcome = o;
                writer.update(progress());
              },
              history: () => deps.store.compareResults(job.repo, 200),
            },
            runSignal,
          )
        : await runJob(await withFreshPrevious({ ...job, id: stored.id }, deps.store), pipelineDeps, runSignal);
      const reason = runSignal.reason as AbortReason | undefined;
      if (reason?.kind === 'lease-lost') {
        log.warn('lost the lease on this job; another replica runs it now');
        return;
      }
      if (reason?.kind === 'shutdown') {
        await deps.store.releaseForShutdown(stored.id, deps.workerId);
        await writer.flush(
          renderStatus({
            phase: 'queued',
            agent: shownAgent(job),
            note: 'the app restarted; this run starts again shortly',
          }),
        );
        log.info('handed the job back for shutdown');
        return;
      }
      log.info({ outcome: outcome.kind, durationMs: now() - started }, 'job finished');
      if ((outcome.kind === 'pr' || outcome.kind === 'compared') && outcome.compare) {
        deps.metrics?.observeCompare(outcome.compare);
      }
      deps.metrics?.runDuration.observe({ agent: job.agent, outcome: outcome.kind }, (now() - started) / 1000);
      final = true;
      // The broker's meter, with the calls other replicas served: the cost every place shows.
      const usage = deps.broker ? (await deps.store.get(stored.id))?.usage : undefined;
      if (usage) costUsd = usage.costUsd;
      const cost = costUsd === undefined ? undefined : costText(costUsd, usage);
      const actionLog = renderActionLogDetails(actions.actions, { dropped: actions.dropped });
      const handedOver = job.ciFix && (await ciLadderEnded(gh, job, outcome, log));
      await writer.flush(
        renderStatus({ outcome, agent: shownAgent(job), durationMs: now() - started, cost, runUrl }) +
          context.map((line) => `\n\n${line}`).join('') +
          (handedOver ? `\n\n${handedOver}` : '') +
          (actionLog ? `\n\n${actionLog}` : ''),
      );
      // On the new commit; a follow-up that made none reports on the PR head it started from.
      const headSha = outcome.kind === 'pr' || outcome.kind === 'pushed' ? outcome.commitSha : job.followUp?.headSha;
      if (headSha) await reportCheckRun(gh, stored, { outcome, agent: shownAgent(job), cost }, headSha, actionLog, log);
      await transcript.flush();
      await deps.store.finish(stored.id, deps.workerId, outcome, { costUsd });
    } finally {
      await transcript.flush();
      unsubscribe?.();
      clearTimeout(timer);
      clearInterval(ticker);
    }
  };
}

/**
 * A CI fix attempt that made no commit ends the CI ladder (no new CI result will come): the PR
 * is labelled for a person and the line returned goes under the final state. A cancel is a
 * person's own decision, so it is left alone.
 */
async function ciLadderEnded(gh: GitHub, job: Job, outcome: Outcome, log: Logger): Promise<string | undefined> {
  if (outcome.kind === 'pushed' || outcome.kind === 'pr' || outcome.kind === 'cancelled') return undefined;
  try {
    await gh.rest.issues.addLabels({
      owner: job.repo.owner,
      repo: job.repo.name,
      issue_number: job.issue.number,
      labels: [NEEDS_HUMAN_LABEL],
    });
  } catch (err) {
    log.warn({ err }, 'could not label the PR for a person');
    return undefined;
  }
  return `🧑‍🔧 CI fix attempt ${job.ciFix!.attempt} of ${job.ciFix!.of} made no commit, so CI still fails. Labelled \`${NEEDS_HUMAN_LABEL}\`: over to a person.`;
}

async function waitForStatusComment(
  store: JobStore,
  stored: StoredJob,
  timeoutMs: number,
): Promise<number | undefined> {
  const until = Date.now() + timeoutMs;
  let id = stored.statusCommentId ?? stored.job.statusCommentId;
  while (id === undefined && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    id = (await store.get(stored.id))?.statusCommentId;
  }
  return id;
}

/**
 * The run as a check run on a PR commit, so it shows among the PR's checks. A failure here
 * (an installation that has not granted `checks: write` yet) never fails the job.
 */
async function reportCheckRun(
  gh: GitHub,
  stored: StoredJob,
  view: { outcome: Outcome; agent: string; cost?: string },
  headSha: string,
  actionLog: string,
  log: Logger,
): Promise<void> {
  const { owner, name: repo } = stored.job.repo;
  try {
    const id = await startCheckRun(gh, { owner, repo, headSha, externalId: stored.id });
    await completeCheckRun(gh, {
      owner,
      repo,
      id,
      conclusion: checkConclusion(view.outcome),
      summary: renderStatus(view),
      text: actionLog || 'The agent reported no actions.',
    });
  } catch (err) {
    log.warn({ err }, 'could not report the check run');
  }
}

/**
 * A follow-up waits in the queue for the run it continues (it may have been accepted while that
 * run was still finishing); the sandbox and session that run ended with are read again now.
 */
async function withFreshPrevious(job: Job, store: JobStore): Promise<Job> {
  const previous = job.followUp?.previous;
  const ended = previous && (await store.get(previous.jobId));
  if (!ended) return job;
  const { sessionId, sandboxId, startedAt } = ended;
  return { ...job, followUp: { ...job.followUp!, previous: { ...previous, sessionId, sandboxId, startedAt } } };
}
