import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { limitsOf, monthlyLimitReached } from '../broker/budget.js';
import { availableAgents, cannotRun, runModel } from '../agents/index.js';
import type { RepoConfigCache } from '../config/config-cache.js';
import type { McpPolicy } from '../config/mcp-config.js';
import { defaultRepoConfig, formatConfigErrors, parseRepoConfig, type RepoConfig } from '../config/repo-config.js';
import { ACKNOWLEDGEMENT, httpStatus } from '../github/octokit.js';
import { getRole, meetsPermission } from '../github/permissions.js';
import { renderStatus } from '../github/status-text.js';
import { issueKey } from '../domain/issue-key.js';
import type { RunnerControl } from '../jobs/runner.js';
import type { JobStore } from '../jobs/store/types.js';
import type { FollowUp, Job } from '../domain/job.js';
import { helpText, unknownAgentText, usableAgents } from '../triggers/help.js';
import type { Trigger } from '../triggers/types.js';

type RunTrigger = Extract<Trigger, { kind: 'run' }>;
import { acknowledge, editComment, reply, type Thread } from './replies.js';
import type { BackgroundTasks } from './background.js';
import { jobRepo, type TriggerEvent } from './trigger-event.js';

export interface AcceptDeps {
  store: JobStore;
  runner: Pick<RunnerControl, 'wake' | 'cancelHere'>;
  agentEnv: Record<string, string | undefined>;
  /** Whether sandboxes work through the app's broker (help says so when they do not). */
  brokered: boolean;
  monthlyCostUsdPerInstallation?: number;
  /** What MCP servers a repository's config may use (MCP_ALLOWED_ENV, the sandbox provider). */
  mcp: McpPolicy;
  /** Each repository's parsed `.github/issue-agent.yml`, so events that start nothing cost no call. */
  configs: RepoConfigCache;
  /** Users already told they may not trigger, per issue: the reply is sent once. */
  deniedOnce: Set<string>;
  /** Where the acknowledgement of a recorded job runs, after the webhook is answered. */
  background: BackgroundTasks;
  log: Logger;
}

/** Reads `.github/issue-agent.yml` (following `_extends`) and validates it. */
export async function loadRepoConfig(
  ev: Pick<TriggerEvent, 'readConfig'>,
  mcp: McpPolicy,
): Promise<ReturnType<typeof parseRepoConfig>> {
  let raw: Record<string, unknown> | null;
  try {
    raw = await ev.readConfig();
  } catch (err) {
    // The config plugin throws on YAML it cannot parse; that is the maintainer's to fix, not a crash.
    if (httpStatus(err) !== undefined) throw err;
    return { ok: false, errors: [`\`.github/issue-agent.yml\` could not be read: ${(err as Error).message}`] };
  }
  return parseRepoConfig(raw ?? {}, mcp);
}

/**
 * The webhook path for a message that may be a trigger: everything here is quick GitHub calls,
 * never the agent. It validates, checks permission, records the job once, acknowledges, returns.
 */
export async function acceptTrigger(
  ev: TriggerEvent,
  parse: (config: RepoConfig) => Trigger | null,
  deps: AcceptDeps,
): Promise<void> {
  const thread = threadOf(ev);
  const allowed = await allowedTrigger(ev, thread, parse, deps);
  if (!allowed) return;
  const { config, trigger, log } = allowed;
  switch (trigger.kind) {
    case 'help':
      await reply(ev.gh, thread, helpText(config, availableAgents(deps.agentEnv, config.model), deps.brokered));
      return;
    case 'unknown-agent':
      await reply(
        ev.gh,
        thread,
        unknownAgentText(trigger.name, usableAgents(config, availableAgents(deps.agentEnv, config.model))),
      );
      return;
    case 'stop':
      await stop(ev.gh, thread, deps, ev.sender.login);
      return;
    case 'run': {
      const job = await jobFor(ev, thread, trigger, config, deps);
      if (!job) return;
      if (await joinedQueuedRun(ev, thread, job, deps, log)) return;
      await enqueueAndAcknowledge(ev, thread, job, deps, log);
    }
  }
}

function threadOf(ev: TriggerEvent): Thread {
  return {
    owner: ev.repo.owner,
    repo: ev.repo.name,
    issue_number: ev.issue.number,
    commentId: ev.comment?.id,
    reviewComment: ev.comment?.kind === 'review',
  };
}

/**
 * The trigger under the repository's config, when the sender may give it. A config error is
 * answered when the message would have been a trigger under the defaults, from a sender whose
 * role reaches the default permission; a sender without the required permission is told once per issue.
 */
async function allowedTrigger(
  ev: TriggerEvent,
  thread: Thread,
  parse: (config: RepoConfig) => Trigger | null,
  deps: AcceptDeps,
): Promise<{ config: RepoConfig; trigger: Trigger; log: Logger } | undefined> {
  const { gh, sender } = ev;
  const roleOf = () => getRole(gh, { owner: thread.owner, repo: thread.repo, username: sender.login });
  // The sender's role is read only for a trigger. On a cache miss, a message that is a trigger
  // under the defaults reads it alongside the config: one round trip less for the first trigger.
  const repo = { owner: thread.owner, name: thread.repo };
  const cached = deps.configs.get(repo);
  let early: Promise<string> | undefined;
  if (!cached && parse(defaultRepoConfig())) {
    early = roleOf();
    early.catch(() => undefined); // awaited below only if the config makes this a trigger
  }
  const loaded = cached ?? (await deps.configs.load(repo, () => loadRepoConfig(ev, deps.mcp)));
  if (!loaded.ok) {
    // Answered only to someone who could trigger under the defaults: anyone else learns nothing.
    const defaults = parseRepoConfig({});
    if (
      defaults.ok &&
      parse(defaults.config) &&
      meetsPermission(await (early ?? roleOf()), defaults.config.permission)
    ) {
      await reply(gh, thread, formatConfigErrors(loaded.errors));
    }
    return undefined;
  }
  const { config } = loaded;
  const trigger = parse(config);
  if (!trigger) return undefined;
  const role = await (early ?? roleOf());
  const log = deps.log.child({
    repo: ev.repo.fullName,
    issue: ev.issue.number,
    sender: sender.login,
    delivery: ev.deliveryId,
  });
  if (meetsPermission(role, config.permission)) return { config, trigger, log };
  const key = `${ev.repo.fullName}#${ev.issue.number}:${sender.login}`.toLowerCase();
  log.info({ role, required: config.permission }, 'trigger refused: permission');
  // A review is ignored without a word: reviewing is what such a user may do, and answering
  // every review of theirs (most request nothing of the app) would be noise.
  if (ev.review) return undefined;
  if (!deps.deniedOnce.has(key)) {
    deps.deniedOnce.add(key);
    await reply(
      gh,
      thread,
      `@${sender.login} only people with \`${config.permission}\` access or higher can start issue-agent here.`,
    );
  }
  return undefined;
}

/**
 * The job a `run` trigger asks for, or undefined after replying why it cannot run (a closed or
 * forked PR, an agent without its key or with a model it cannot run).
 */
async function jobFor(
  ev: TriggerEvent,
  thread: Thread,
  trigger: RunTrigger,
  config: RepoConfig,
  deps: AcceptDeps,
): Promise<Job | undefined> {
  let followUp: FollowUp | undefined;
  if (ev.issue.isPullRequest) {
    const resolved = await resolveFollowUp(ev, deps.store);
    if (typeof resolved === 'string') {
      await reply(ev.gh, thread, resolved);
      return undefined;
    }
    followUp = resolved;
    // A review's state alone starts runs on the app's own PRs only; on others it takes `/agent`.
    if (trigger.byReviewState && !followUp.own) return undefined;
  }
  // A follow-up keeps the agent of the run it continues, unless the command names another.
  const agent = followUp?.previous && !trigger.named ? followUp.previous.agent : trigger.agent;
  // The model decides the key (OpenCode) or whether the agent can run it at all (OpenClaw).
  const model = runModel({ agent, model: trigger.model, config });
  const blocked = cannotRun(agent, model, deps.agentEnv);
  if (blocked) {
    await reply(
      ev.gh,
      thread,
      `The agent \`${agent}\`${model === undefined ? '' : ` with the model \`${model}\``} cannot run: ${blocked}`,
    );
    return undefined;
  }
  const spent = await monthlyLimitReached(
    deps.store,
    { installationId: ev.installationId, repo: { owner: ev.repo.owner, name: ev.repo.name } },
    limitsOf(config, deps.monthlyCostUsdPerInstallation),
    Date.now(),
  );
  if (spent) {
    await reply(ev.gh, thread, `No run was started: ${spent}.`);
    return undefined;
  }
  return {
    id: randomUUID(),
    deliveryId: ev.deliveryId,
    installationId: ev.installationId,
    repo: jobRepo(ev.repo),
    issue: ev.issue,
    trigger: {
      kind: ev.review ? 'review' : ev.comment ? 'comment' : 'label',
      sender: ev.sender,
      instructions: trigger.instructions,
      commentId: ev.comment?.id,
    },
    agent,
    model: trigger.model,
    config,
    ...(followUp && { followUp }),
    createdAt: Date.now(),
  };
}

/**
 * Records the job once (a redelivery is a no-op) and wakes the runner: the webhook is answered
 * then. 👀 and the status comment follow in the background, ahead of the installation's other
 * writes; the comment's id is recorded when it comes (the worker waits for it).
 */
async function enqueueAndAcknowledge(
  ev: TriggerEvent,
  thread: Thread,
  job: Job,
  deps: AcceptDeps,
  log: Logger,
): Promise<void> {
  // A comment is one trigger however often it is delivered; a label event is one delivery.
  const dedupeKey = ev.review
    ? `review:${ev.review.id}`
    : ev.comment
      ? `${ev.comment.kind}-comment:${ev.comment.id}`
      : `delivery:${ev.deliveryId}`;
  const { job: stored, created, ahead } = await deps.store.enqueue(job, dedupeKey);
  if (!created) {
    log.info({ job: stored.id, dedupeKey }, 'trigger seen before: no second job');
    return;
  }
  deps.runner.wake();
  log.info({ job: stored.id, agent: job.agent, ahead, followUp: job.followUp?.prNumber }, 'job queued');
  const acknowledged = Promise.allSettled([
    acknowledge(ev.gh, thread).catch((err: unknown) => {
      log.warn({ err, job: stored.id }, 'could not react to the trigger');
    }),
    reply(
      ev.gh,
      thread,
      renderStatus({ phase: 'queued', agent: job.agent, queuedBehind: ahead }),
      ACKNOWLEDGEMENT,
    ).then((statusCommentId) => deps.store.record(stored.id, { statusCommentId })),
  ]).then(([, status]) => {
    if (status.status === 'rejected') throw status.reason;
  });
  deps.background.add(acknowledged, (err) =>
    log.error({ err, job: stored.id }, 'could not post or record the status comment'),
  );
}

/**
 * What a `/agent` comment on a pull request continues: the app's own PR (new commit on its
 * branch, same agent and session when possible) or someone else's (a new PR against its branch,
 * never a push to their branch). Returns a reply instead when it cannot be done.
 */
async function resolveFollowUp(ev: TriggerEvent, store: JobStore): Promise<FollowUp | string> {
  const { data: pr } = await ev.gh.rest.pulls.get({
    owner: ev.repo.owner,
    repo: ev.repo.name,
    pull_number: ev.issue.number,
  });
  if (pr.state !== 'open') return 'This pull request is closed: reopen it, or trigger the agent on an issue.';
  if (pr.head.repo?.full_name?.toLowerCase() !== ev.repo.fullName.toLowerCase()) {
    return 'This pull request comes from a fork. issue-agent only works on branches of this repository.';
  }
  const previous = await store.latestForPullRequest(ev.repo, pr.number);
  return {
    prNumber: pr.number,
    prTitle: pr.title,
    headRef: pr.head.ref,
    headSha: pr.head.sha,
    own: previous !== undefined,
    ...(previous && {
      previous: {
        jobId: previous.id,
        agent: previous.job.agent,
        sessionId: previous.sessionId,
        sandboxId: previous.sandboxId,
        startedAt: previous.startedAt,
      },
    }),
    ...(ev.comment?.kind === 'review' && { reviewComment: { path: ev.comment.path, line: ev.comment.line } }),
    ...(ev.review && { reviewId: ev.review.id }),
  };
}

/**
 * A review comment's `/agent`, or a review without instructions, on a pull request whose next
 * run is still queued joins that run instead of queueing another: the run reads the PR's review
 * threads when it starts, and these comments are on GitHub before their webhook arrives, so they
 * are in them (👀 says it was seen). The check and the claim may race: a run claimed just after
 * the check still reads the threads after the comments existed. A trigger that finds the run
 * already started gets its own run, after it, which reads what was said since that one started.
 * A trigger with words that live nowhere else (an issue comment's or a review body's
 * instructions, another agent or model) gets its own run too.
 */
async function joinedQueuedRun(
  ev: TriggerEvent,
  thread: Thread,
  job: Job,
  deps: AcceptDeps,
  log: Logger,
): Promise<boolean> {
  const fu = job.followUp;
  const inThreads = ev.comment?.kind === 'review' || (ev.review !== undefined && !job.trigger.instructions.trim());
  if (!fu?.own || !inThreads || job.model !== undefined) return false;
  const queued = await deps.store.queuedFor(issueKey(job));
  if (!queued?.job.followUp || queued.job.agent !== job.agent) return false;
  log.info(
    { job: queued.id, comment: ev.comment?.id, review: ev.review?.id },
    'joins the queued run of its pull request',
  );
  await acknowledge(ev.gh, thread).catch((err: unknown) => log.warn({ err }, 'could not react to the trigger'));
  return true;
}

async function stop(gh: TriggerEvent['gh'], thread: Thread, deps: AcceptDeps, by: string): Promise<void> {
  const cancelled = await deps.store.requestCancel(
    issueKey({ repo: { owner: thread.owner, name: thread.repo }, issue: { number: thread.issue_number } }),
    by,
  );
  if (cancelled.length === 0) {
    await reply(gh, thread, 'Nothing to stop: no run is queued or running here.');
    return;
  }
  await acknowledge(gh, thread);
  for (const { job, wasRunning } of cancelled) {
    if (wasRunning) {
      // Its worker reports the cancellation when the abort lands: at once here, within a heartbeat elsewhere.
      deps.runner.cancelHere(job.id, by);
    } else if (job.statusCommentId !== undefined) {
      await editComment(
        gh,
        thread,
        job.statusCommentId,
        renderStatus({ outcome: { kind: 'cancelled', by }, agent: job.agent }),
      );
    }
  }
}
