import type { Context } from 'probot';
import type { GitHub } from '../github/octokit.js';
import type { Job } from '../domain/job.js';
import { REPO_CONFIG_FILE, REPO_CONFIG_PATH } from '../config/repo-config.js';
import type { ConfigSource } from './doctor-checks.js';

/**
 * What the accept path needs from any triggering webhook (a label, an issue or PR comment, a
 * review comment), in one shape, so one function accepts them all.
 */
export interface TriggerEvent {
  deliveryId: string;
  installationId: number;
  gh: GitHub;
  /** Reads `.github/issue-agent.yml` through Probot (follows `_extends`). */
  readConfig(): Promise<Record<string, unknown> | null>;
  /** The files Probot reads for it, in order (repository, organization's `.github`, each `_extends`). */
  readConfigSources(): Promise<ConfigSource[]>;
  repo: { id: number; owner: string; name: string; fullName: string; defaultBranch: string; cloneUrl: string };
  /** The issue or pull request the trigger is on. */
  issue: { number: number; title: string; body: string; isPullRequest: boolean };
  sender: { login: string; id: number };
  /** The comment that triggered (absent for a label and a review). */
  comment?: { id: number; kind: 'issue' | 'review'; path?: string; line?: number };
  /** The submitted review that triggered. */
  review?: { id: number };
}

/** The repository fields every webhook payload here carries alike. */
type Repo = Pick<
  Context<'issues.labeled'>['payload']['repository'],
  'id' | 'name' | 'full_name' | 'default_branch' | 'clone_url'
> & { owner: { login: string } };

/** A payload's repository as the handlers use it. */
export function repoOf(r: Repo): TriggerEvent['repo'] {
  return {
    id: r.id,
    owner: r.owner.login,
    name: r.name,
    fullName: r.full_name,
    defaultBranch: r.default_branch,
    cloneUrl: r.clone_url,
  };
}

/** The repository as a Job records it. */
export function jobRepo(repo: TriggerEvent['repo']): Job['repo'] {
  const { id, owner, name, defaultBranch, cloneUrl } = repo;
  return { id, owner, name, defaultBranch, cloneUrl };
}

type TriggerContext =
  | Context<'issues.labeled'>
  | Context<'issue_comment.created'>
  | Context<'pull_request_review_comment.created'>
  | Context<'pull_request_review.submitted'>;

/** The fields every trigger has in common, around the issue and comment its kind gives. */
function triggerEvent(
  context: TriggerContext,
  issue: TriggerEvent['issue'],
  comment?: TriggerEvent['comment'],
): TriggerEvent {
  const p = context.payload;
  return {
    deliveryId: context.id,
    installationId: p.installation!.id,
    gh: context.octokit,
    readConfig: () => context.config<Record<string, unknown>>(REPO_CONFIG_FILE),
    readConfigSources: async () => {
      const { owner, name: repo } = repoOf(p.repository);
      const { files } = await context.octokit.config.get({ owner, repo, path: REPO_CONFIG_PATH });
      return files.map((f) => ({ name: `${f.owner}/${f.repo}:${f.path}`, found: f.config !== null }));
    },
    repo: repoOf(p.repository),
    issue,
    sender: { login: p.sender.login, id: p.sender.id },
    ...(comment ? { comment } : {}),
  };
}

export function fromLabel(context: Context<'issues.labeled'>): TriggerEvent {
  const p = context.payload;
  return triggerEvent(context, {
    number: p.issue.number,
    title: p.issue.title,
    body: p.issue.body ?? '',
    isPullRequest: false,
  });
}

export function fromIssueComment(context: Context<'issue_comment.created'>): TriggerEvent {
  const p = context.payload;
  return triggerEvent(
    context,
    {
      number: p.issue.number,
      title: p.issue.title,
      body: p.issue.body ?? '',
      isPullRequest: Boolean(p.issue.pull_request),
    },
    { id: p.comment.id, kind: 'issue' },
  );
}

export function fromReviewComment(context: Context<'pull_request_review_comment.created'>): TriggerEvent {
  const p = context.payload;
  return triggerEvent(
    context,
    {
      number: p.pull_request.number,
      title: p.pull_request.title,
      body: p.pull_request.body ?? '',
      isPullRequest: true,
    },
    {
      id: p.comment.id,
      kind: 'review',
      path: p.comment.path,
      line: p.comment.line ?? p.comment.original_line ?? undefined,
    },
  );
}

export function fromReview(context: Context<'pull_request_review.submitted'>): TriggerEvent {
  const p = context.payload;
  return {
    ...triggerEvent(context, {
      number: p.pull_request.number,
      title: p.pull_request.title,
      body: p.pull_request.body ?? '',
      isPullRequest: true,
    }),
    review: { id: p.review.id },
  };
}
