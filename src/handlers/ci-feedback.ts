import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Context } from 'probot';
import { limitsOf, monthlyLimitReached } from '../broker/budget.js';
import { cannotRun, runModel } from '../agents/index.js';
import type { RepoConfigCache } from '../config/config-cache.js';
import type { McpPolicy } from '../config/mcp-config.js';
import type { RepoConfig } from '../config/repo-config.js';
import type { CiFailure, Job } from '../domain/job.js';
import {
  CiPermissionError,
  FAILED_CONCLUSIONS,
  NEEDS_HUMAN_LABEL,
  failedActionsJobs,
  failedCheckRuns,
  failureSignature,
  rerunFailedJobs,
} from '../github/ci-checks.js';
import { ACKNOWLEDGEMENT, type GitHub } from '../github/octokit.js';
import { renderStatus } from '../github/status-text.js';
import type { RunnerControl } from '../jobs/runner.js';
import type { JobStore, StoredJob } from '../jobs/store/types.js';
import { loadRepoConfig } from './accept-trigger.js';
import { reply } from './replies.js';
import { jobRepo, repoOf, type TriggerEvent } from './trigger-event.js';

type CiContext = Context<'workflow_run.completed'> | Context<'check_suite.completed'>;

function common(context: CiContext): Omit<CiEvent, 'headSha' | 'conclusion' | 'prNumbers' | 'source'> {
  const r = context.payload.repository;
  return {
    deliveryId: context.id,
    installationId: context.payload.installation!.id,
    gh: context.octokit,
    readConfig: () => context.config<Record<string, unknown>>('issue-agent.yml'),
    repo: repoOf(r),
  };
}

export function ciEventFromWorkflowRun(context: Context<'workflow_run.completed'>): CiEvent {
  const run = context.payload.workflow_run;
  return {
    ...common(context),
    headSha: run.head_sha,
    conclusion: run.conclusion,
    prNumbers: run.pull_requests.flatMap((p) => (p ? [p.number] : [])),
    source: { kind: 'actions', runId: run.id, runAttempt: run.run_attempt },
  };
}

/**
 * A check suite of another app. Actions' suites are left to `workflow_run` (the same failure,
 * with the run to re-run), and the app's own (the `issue-agent` check run) is not CI.
 */
export function ciEventFromCheckSuite(context: Context<'check_suite.completed'>, appId?: string): CiEvent | undefined {
  const suite = context.payload.check_suite;
  if (suite.app.slug === 'github-actions' || String(suite.app.id) === appId) return undefined;
  return {
    ...common(context),
    headSha: suite.head_sha,
    conclusion: suite.conclusion,
    prNumbers: suite.pull_requests.map((p) => p.number),
    source: { kind: 'checks', suiteId: suite.id },
  };
}

/** A finished CI run on a commit, from `workflow_run.completed` or `check_suite.completed`. */
export interface CiEvent extends Pick<TriggerEvent, 'deliveryId' | 'installationId' | 'gh' | 'readConfig' | 'repo'> {
  headSha: string;
  conclusion: string | null;
  /** The repository's open PRs with this head (GitHub leaves forks' PRs out). */
  prNumbers: number[];
  /** Actions: one workflow run (re-runnable); checks: another app's check suite. */
  source: { kind: 'actions'; runId: number; runAttempt: number } | { kind: 'checks'; suiteId: number };
}

export interface CiDeps {
  store: JobStore;
  runner: Pick<RunnerControl, 'wake' | 'cancelHere'>;
  agentEnv: Record<string, string | undefined>;
  monthlyCostUsdPerInstallation?: number;
  configs: RepoConfigCache;
  /** What MCP servers a repository's config may use. */
  mcp: McpPolicy;
  /** Logs are prompt text: whatever secret the app knows is masked before it is stored. */
  redact(text: string): string;
  log: Logger;
}

/**
 * The CI ladder for one failed CI result on the app's latest commit of its own PR: re-run the
 * failed Actions jobs once (`rerunFlaky`), then give the failure to the agent as a follow-up
 * job, one per commit, until the same failure repeats or `ciFix.attempts` are used up; then
 * the PR is labelled `agent:needs-human`.
 *
 * The ladder's state lives in durable places: whether the rerun happened is the run's
 * `run_attempt` (GitHub's), and the attempt count and last signature are the `ciFix` of the
 * PR's latest job in the store (a run a person triggers starts the count again).
 */
export async function onCiCompleted(ev: CiEvent, deps: CiDeps): Promise<void> {
  if (!ev.conclusion || !FAILED_CONCLUSIONS.has(ev.conclusion)) return;
  for (const prNumber of ev.prNumbers) {
    // No GitHub call until the store says the PR is the app's and the failing commit its latest.
    const latest = await deps.store.latestForPullRequest(ev.repo, prNumber);
    if (!latest || latest.state === 'queued' || latest.state === 'running') continue;
    if (commitOf(latest) !== ev.headSha) continue;
    const loaded = deps.configs.get(ev.repo) ?? (await deps.configs.load(ev.repo, () => loadRepoConfig(ev, deps.mcp)));
    if (!loaded.ok || loaded.config.ciFix.attempts === 0) continue;
    const log = deps.log.child({ repo: ev.repo.fullName, pr: prNumber, sha: ev.headSha, delivery: ev.deliveryId });
    try {
      await climb(ev, prNumber, latest, loaded.config, deps, log);
    } catch (err) {
      if (!(err instanceof CiPermissionError)) throw err;
      log.warn({ permission: err.permission }, 'CI feedback: permission missing');
      await giveUp(
        ev,
        prNumber,
        latest,
        `CI failed on ${short(ev.headSha)}, but ${err.message} (an admin grants it in the app's installation settings)`,
      );
    }
  }
}

async function climb(
  ev: CiEvent,
  prNumber: number,
  latest: StoredJob,
  config: RepoConfig,
  deps: CiDeps,
  log: Logger,
): Promise<void> {
  const repo = { owner: ev.repo.owner, repo: ev.repo.name };
  const { source } = ev;
  if (source.kind === 'actions' && source.runAttempt === 1 && config.ciFix.rerunFlaky) {
    log.info({ run: source.runId }, 'CI failed: re-running the failed jobs once');
    await rerunFailedJobs(ev.gh, repo, source.runId);
    return;
  }
  const failures: CiFailure[] = (
    source.kind === 'actions'
      ? await failedActionsJobs(ev.gh, repo, source.runId)
      : await failedCheckRuns(ev.gh, repo, source.suiteId)
  ).map((f) => ({ ...f, log: deps.redact(f.log) }));
  if (failures.length === 0) return;
  const signature = failureSignature(failures);
  const previous = latest.job.ciFix;
  const attempt = (previous?.attempt ?? 0) + 1;
  if (previous?.signature === signature) {
    log.info({ signature }, 'CI ladder: the same failure again');
    await giveUp(
      ev,
      prNumber,
      latest,
      `CI still fails on ${short(ev.headSha)} with the same failure after attempt ${previous.attempt}: ${signature}`,
    );
    return;
  }
  if (attempt > config.ciFix.attempts) {
    await giveUp(
      ev,
      prNumber,
      latest,
      `CI fails on ${short(ev.headSha)} (${signature}) and the ${config.ciFix.attempts} attempt(s) of \`ciFix.attempts\` are used up`,
    );
    return;
  }
  const { data: pr } = await ev.gh.rest.pulls.get({ ...repo, pull_number: prNumber });
  // Someone pushed since, or closed it: this failure is no longer the app's to fix.
  if (pr.state !== 'open' || pr.head.sha !== ev.headSha) return;
  const agent = latest.job.agent;
  const blocked =
    cannotRun(agent, runModel({ agent, model: latest.job.model, config }), deps.agentEnv) ??
    (await monthlyLimitReached(
      deps.store,
      { installationId: ev.installationId, repo: { owner: ev.repo.owner, name: ev.repo.name } },
      limitsOf(config, deps.monthlyCostUsdPerInstallation),
      Date.now(),
    ));
  if (blocked) {
    await giveUp(ev, prNumber, latest, `CI fails on ${short(ev.headSha)}, and no fix was started: ${blocked}`);
    return;
  }
  const job: Job = {
    id: randomUUID(),
    deliveryId: ev.deliveryId,
    installationId: ev.installationId,
    repo: jobRepo(ev.repo),
    issue: { number: prNumber, title: pr.title, body: pr.body ?? '', isPullRequest: true },
    // Credited to whoever started the work on this PR: the app itself never is a sender.
    trigger: { kind: 'ci', sender: latest.job.trigger.sender, instructions: '' },
    agent,
    ...(latest.job.model !== undefined && { model: latest.job.model }),
    config,
    followUp: {
      prNumber,
      prTitle: pr.title,
      headRef: pr.head.ref,
      headSha: ev.headSha,
      own: true,
      previous: {
        jobId: latest.id,
        agent,
        sessionId: latest.sessionId,
        sandboxId: latest.sandboxId,
        startedAt: latest.startedAt,
      },
    },
    ciFix: { attempt, of: config.ciFix.attempts, headSha: ev.headSha, signature, failures },
    createdAt: Date.now(),
  };
  // One attempt per commit of the app, however many workflows fail on it or deliveries repeat.
  const dedupeKey = `ci-fix:${ev.repo.fullName.toLowerCase()}#${prNumber}@${ev.headSha}`;
  const { job: stored, created, ahead } = await deps.store.enqueue(job, dedupeKey);
  if (!created) return;
  deps.runner.wake();
  log.info({ job: stored.id, attempt, signature }, 'CI fix attempt queued');
  const statusCommentId = await reply(
    ev.gh,
    { owner: repo.owner, repo: repo.repo, issue_number: prNumber },
    renderStatus({
      phase: 'queued',
      agent,
      queuedBehind: ahead,
      note: `CI failed on ${short(ev.headSha)}: fix attempt ${attempt} of ${config.ciFix.attempts}`,
    }),
    ACKNOWLEDGEMENT,
  );
  await deps.store.record(stored.id, { statusCommentId });
}

/** The end of the ladder: the PR is labelled for a person and the latest status comment says why. */
async function giveUp(ev: CiEvent, prNumber: number, latest: StoredJob, why: string): Promise<void> {
  const { owner, name: repo } = ev.repo;
  await ev.gh.rest.issues.addLabels({ owner, repo, issue_number: prNumber, labels: [NEEDS_HUMAN_LABEL] });
  const note = `🧑‍🔧 ${why}. Labelled \`${NEEDS_HUMAN_LABEL}\`: over to a person.`;
  await appendToStatus(ev.gh, { owner, repo, issue_number: prNumber }, latest.statusCommentId, note);
}

/** Adds a line under a status comment's final state (once: a redelivery does not repeat it). */
async function appendToStatus(
  gh: GitHub,
  t: { owner: string; repo: string; issue_number: number },
  commentId: number | undefined,
  note: string,
): Promise<void> {
  if (commentId === undefined) {
    await reply(gh, t, note);
    return;
  }
  const { data } = await gh.rest.issues.getComment({ owner: t.owner, repo: t.repo, comment_id: commentId });
  if (data.body?.includes(note)) return;
  await gh.rest.issues.updateComment({
    owner: t.owner,
    repo: t.repo,
    comment_id: commentId,
    body: `${data.body ?? ''}\n\n${note}`,
  });
}

/** The commit a finished job left as the PR's head; undefined when it committed nothing. */
function commitOf(stored: StoredJob): string | undefined {
  const o = stored.outcome;
  if (o?.kind === 'pr' || o?.kind === 'pushed') return o.commitSha;
  return undefined;
}

function short(sha: string): string {
  return sha.slice(0, 7);
}
