import { randomUUID } from 'node:crypto';
import type { Context } from 'probot';
import { getDriver } from '../agents/index.js';
import { AGENT_NAMES, type AgentName } from '../agents/types.js';
import { formatConfigErrors, parseRepoConfig, type RepoConfig } from '../config/repo-config.js';
import { httpStatus } from '../github/octokit.js';
import { getRole, meetsPermission } from '../github/permissions.js';
import { renderStatus } from '../github/status-text.js';
import { issueKey } from '../jobs/issue-key.js';
import type { JobRunner } from '../jobs/runner.js';
import type { JobStore } from '../jobs/store/types.js';
import type { Job } from '../jobs/types.js';
import { helpText, unknownAgentText, usableAgents } from '../triggers/help.js';
import type { Trigger } from '../triggers/types.js';
import { acknowledge, editComment, reply, type Thread } from './replies.js';
import type { GitHub } from '../github/octokit.js';

type IssueContext = Context<'issues.labeled'> | Context<'issue_comment.created'>;

export interface AcceptDeps {
  store: JobStore;
  runner: JobRunner;
  agentEnv: Record<string, string | undefined>;
  /** Users already told they may not trigger, per issue: the reply is sent once. */
  deniedOnce: Set<string>;
}

/** Reads `.github/issue-agent.yml` (following `_extends`) and validates it. */
export async function loadRepoConfig(context: IssueContext): Promise<ReturnType<typeof parseRepoConfig>> {
  let raw: Record<string, unknown> | null;
  try {
    raw = await context.config<Record<string, unknown>>('issue-agent.yml');
  } catch (err) {
    // The config plugin throws on YAML it cannot parse; that is the maintainer's to fix, not a crash.
    if (httpStatus(err) !== undefined) throw err;
    return { ok: false, errors: [`\`.github/issue-agent.yml\` could not be read: ${(err as Error).message}`] };
  }
  return parseRepoConfig(raw ?? {});
}

/**
 * The webhook path for a message that may be a trigger: everything here is quick GitHub calls,
 * never the agent. It validates, checks permission, acknowledges, enqueues and returns.
 */
export async function acceptTrigger(
  context: IssueContext,
  parse: (config: RepoConfig) => Trigger | null,
  deps: AcceptDeps,
): Promise<void> {
  const sender = context.payload.sender;
  const gh = context.octokit as GitHub;
  const thread: Thread = {
    owner: context.payload.repository.owner.login,
    repo: context.payload.repository.name,
    issue_number: context.payload.issue.number,
    commentId: 'comment' in context.payload ? context.payload.comment.id : undefined,
  };
  // Config and the sender's role are independent: fetch both at once to answer fast.
  const [loaded, role] = await Promise.all([
    loadRepoConfig(context),
    getRole(gh, { owner: thread.owner, repo: thread.repo, username: sender.login }),
  ]);
  if (!loaded.ok) {
    // Only speak up if the message would have been a trigger under the defaults.
    const defaults = parseRepoConfig({});
    if (defaults.ok && parse(defaults.config)) await reply(gh, thread, formatConfigErrors(loaded.errors));
    return;
  }
  const config = loaded.config;
  const trigger = parse(config);
  if (!trigger) return;

  const log = context.log.child({ issue: context.payload.issue.number, sender: sender.login });
  if (!meetsPermission(role, config.permission)) {
    const key = `${context.payload.repository.full_name}#${context.payload.issue.number}:${sender.login}`.toLowerCase();
    log.info({ role, required: config.permission }, 'trigger refused: permission');
    if (!deps.deniedOnce.has(key)) {
      deps.deniedOnce.add(key);
      await reply(gh, thread, `@${sender.login} only people with \`${config.permission}\` access or higher can start issue-agent here.`);
    }
    return;
  }

  switch (trigger.kind) {
    case 'help':
      await reply(gh, thread, helpText(config, availableAgents(deps.agentEnv)));
      return;
    case 'unknown-agent':
      await reply(gh, thread, unknownAgentText(trigger.name, usableAgents(config, availableAgents(deps.agentEnv))));
      return;
    case 'stop':
      await stop(gh, thread, deps, sender.login);
      return;
    case 'run':
      break;
  }

  const missing = missingEnv(trigger.agent, deps.agentEnv);
  if (missing) {
    await reply(gh, thread, `The agent \`${trigger.agent}\` cannot run: the app has no ${missing} set. Ask whoever runs this app to set it.`);
    return;
  }

  const issue = context.payload.issue;
  const repository = context.payload.repository;
  const job: Job = {
    id: randomUUID(),
    deliveryId: context.id,
    installationId: context.payload.installation!.id,
    repo: {
      owner: repository.owner.login,
      name: repository.name,
      defaultBranch: repository.default_branch,
      cloneUrl: repository.clone_url,
    },
    issue: { number: issue.number, title: issue.title, body: issue.body ?? '', isPullRequest: Boolean(issue.pull_request) },
    trigger: {
      kind: thread.commentId === undefined ? 'label' : 'comment',
      sender: { login: sender.login, id: sender.id },
      instructions: trigger.instructions,
      commentId: thread.commentId,
    },
    agent: trigger.agent,
    model: trigger.model,
    config,
    createdAt: Date.now(),
  };
  // A comment is one trigger however often it is delivered; a label event is one delivery.
  const dedupeKey = thread.commentId === undefined ? `delivery:${context.id}` : `comment:${thread.commentId}`;
  const { job: stored, created, ahead } = await deps.store.enqueue(job, dedupeKey);
  if (!created) {
    log.info({ job: stored.id, dedupeKey }, 'trigger seen before: no second job');
    return;
  }
  const [, statusCommentId] = await Promise.all([
    acknowledge(gh, thread),
    reply(gh, thread, renderStatus({ phase: 'queued', agent: job.agent, queuedBehind: ahead })),
  ]);
  await deps.store.record(stored.id, { statusCommentId });
  deps.runner.wake();
  log.info({ job: stored.id, agent: job.agent, ahead }, 'job queued');
}

async function stop(gh: GitHub, thread: Thread, deps: AcceptDeps, by: string): Promise<void> {
  const cancelled = await deps.store.requestCancel(issueKey({ repo: { owner: thread.owner, name: thread.repo }, issue: { number: thread.issue_number } }), by);
  if (!cancelled) {
    await reply(gh, thread, 'Nothing to stop: no run is queued or running here.');
    return;
  }
  await acknowledge(gh, thread);
  if (cancelled.wasRunning) {
    // Its worker reports the cancellation when the abort lands: at once here, within a heartbeat elsewhere.
    deps.runner.cancelHere(cancelled.job.id, by);
  } else if (cancelled.job.statusCommentId !== undefined) {
    await editComment(gh, thread, cancelled.job.statusCommentId, renderStatus({ outcome: { kind: 'cancelled', by }, agent: cancelled.job.agent }));
  }
}

/** Agents this installation has a driver and keys for. */
function availableAgents(env: Record<string, string | undefined>): AgentName[] {
  return AGENT_NAMES.filter((a) => missingEnv(a, env) === undefined);
}

/** The variables an agent lacks, as text ("ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN"), or undefined. */
export function missingEnv(agent: AgentName, env: Record<string, string | undefined>): string | undefined {
  const driver = getDriver(agent);
  if (!driver) return 'driver (this agent is not supported by this version of the app)';
  const unmet = driver.requiredEnv.filter((anyOf) => !anyOf.some((name) => env[name]));
  return unmet.length ? unmet.map((anyOf) => anyOf.map((n) => `\`${n}\``).join(' or ')).join(' and ') : undefined;
}
