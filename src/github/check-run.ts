import type { Outcome } from '../domain/outcome.js';
import type { GitHub } from './octokit.js';

/** The check run's name in the PR's checks list. */
export const CHECK_NAME = 'issue-agent';

/** GitHub's limit for `output.summary` and `output.text`, in characters. */
export const CHECK_TEXT_LIMIT = 65_535;

export type CheckConclusion = 'success' | 'failure' | 'neutral' | 'cancelled';

/** How a run's outcome shows among the PR's checks. */
export function checkConclusion(outcome: Outcome): CheckConclusion {
  switch (outcome.kind) {
    case 'pr':
    case 'pushed':
      return outcome.checksFailed ? 'failure' : 'success';
    case 'branch':
      return (outcome.verify?.failing ?? 0) > 0 ? 'failure' : 'success';
    case 'no-changes':
    case 'compared':
      return 'neutral';
    case 'setup-ok':
      return 'success';
    case 'failed':
      return 'failure';
    case 'cancelled':
    case 'stopped':
      return 'cancelled';
  }
}

export interface StartCheckRunInput {
  owner: string;
  repo: string;
  headSha: string;
  /** Where "Details" leads: the status comment or the job's page. */
  detailsUrl?: string;
  /** Our job id, so a check run can be matched to its job (e.g. after a restart). */
  externalId?: string;
}

/** Creates the `issue-agent` check run on the PR head commit, in progress. Returns its id. */
export async function startCheckRun(gh: GitHub, input: StartCheckRunInput): Promise<number> {
  const { data } = await gh.rest.checks.create({
    owner: input.owner,
    repo: input.repo,
    name: CHECK_NAME,
    head_sha: input.headSha,
    status: 'in_progress',
    ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
    ...(input.externalId ? { external_id: input.externalId } : {}),
  });
  return data.id;
}

export interface CompleteCheckRunInput {
  owner: string;
  repo: string;
  id: number;
  conclusion: CheckConclusion;
  /** Short status (Markdown), shown at the top of the check's page. */
  summary: string;
  /** The details: the action log, the verification results (Markdown). */
  text: string;
  /** The line shown next to the check's name; one per conclusion by default. */
  title?: string;
}

const TITLES: Record<CheckConclusion, string> = {
  success: 'The agent finished',
  failure: 'The agent run failed',
  neutral: 'The agent finished without changes',
  cancelled: 'The agent run was cancelled',
};

/** Completes the check run with its conclusion; summary and text are cut to GitHub's limit. */
export async function completeCheckRun(gh: GitHub, input: CompleteCheckRunInput): Promise<void> {
  await gh.rest.checks.update({
    owner: input.owner,
    repo: input.repo,
    check_run_id: input.id,
    status: 'completed',
    conclusion: input.conclusion,
    output: {
      title: truncate(input.title ?? TITLES[input.conclusion], 1_000),
      summary: truncate(input.summary, CHECK_TEXT_LIMIT),
      text: truncate(input.text, CHECK_TEXT_LIMIT),
    },
  });
}

const CUT_NOTE = '\n\n… (cut to fit GitHub’s limit)';

/** `text` in at most `limit` UTF-16 units (never more characters than GitHub counts), without splitting a surrogate pair. */
export function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const note = limit > CUT_NOTE.length * 2 ? CUT_NOTE : '…';
  let end = limit - note.length;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end) + note;
}
