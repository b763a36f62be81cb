import type { Logger } from 'pino';
import type { AgentRunResult } from '../agents/run-result.js';
import { branchName } from '../github/branch-name.js';
import type { GitHub } from '../github/octokit.js';
import { replaceChecks, replaceSummary } from '../github/pr-summary.js';
import { agentSections, commitMessage, noreplyDomain, pullRequestBody, pullRequestTitle } from '../github/pr-text.js';
import { commitToBranch, publish } from '../github/publish.js';
import { BranchMovedConflictError, commitOnBranch } from '../github/update-branch.js';
import type { JobPatch } from '../jobs/store/types.js';
import type { Job } from '../domain/job.js';
import type { Outcome } from '../domain/outcome.js';
import type { UsageTotals } from '../domain/usage.js';
import type { BaseCommit, FileChange } from '../workspace/types.js';
import { renderVerifySection } from '../github/pr-text.js';
import { type VerifyResult } from '../domain/verify-result.js';

export interface Delivery {
  gh: GitHub;
  job: Job;
  base: BaseCommit;
  changes: FileChange[];
  result: AgentRunResult;
  /** The job's cost, every agent invocation included (agents/cost.ts). */
  costUsd?: number;
  usage?: UsageTotals;
  model?: string;
  durationMs: number;
  verify?: { results: VerifyResult[]; attempts: number };
  checksFailed: boolean;
  /** The agent was given the repository's PR template to fill (a new PR only). */
  template?: boolean;
  gheHost?: string;
  /** The run's page in the web view, for the PR body. */
  runUrl?: string;
  /** What an earlier attempt of this job already created (branch, PR). */
  prior?: JobPatch;
  record(patch: JobPatch): Promise<void>;
  log: Logger;
  /** One agent of a compare group: its commit goes to this branch of its own, and no PR is opened. */
  compareBranch?: string;
}

/**
 * Takes validated changes to GitHub, from the app (never the sandbox): a new pull request for
 * an issue; for a follow-up on the app's own PR, a commit on its branch (rebased through the
 * API if someone pushed meanwhile); for someone else's PR, a new PR against its branch.
 */
export async function deliver(d: Delivery): Promise<Outcome> {
  const { gh, job } = d;
  const fu = job.followUp;
  const message = commitMessage(job, noreplyDomain(d.gheHost));
  if (d.compareBranch) return deliverToBranch(d, d.compareBranch, message);
  if (fu?.own) {
    let pushed;
    try {
      pushed = await commitOnBranch(gh, {
        owner: job.repo.owner,
        repo: job.repo.name,
        branch: fu.headRef,
        base: d.base,
        changes: d.changes,
        message,
      });
    } catch (err) {
      if (err instanceof BranchMovedConflictError) return { kind: 'failed', reason: err.message };
      throw err;
    }
    // The PR body's summary and checks follow the latest run.
    const { data: pr } = await gh.rest.pulls.get({
      owner: job.repo.owner,
      repo: job.repo.name,
      pull_number: fu.prNumber,
    });
    const summary = d.result.summary.trim();
    let body = summary || d.result.structured ? replaceSummary(pr.body, agentSections(d.result)) : (pr.body ?? '');
    if (d.verify) body = replaceChecks(body, renderVerifySection(d.verify.results, { attempts: d.verify.attempts }));
    if (body !== (pr.body ?? '')) {
      await gh.rest.pulls.update({ owner: job.repo.owner, repo: job.repo.name, pull_number: fu.prNumber, body });
    }
    return {
      kind: 'pushed',
      number: fu.prNumber,
      url: `${pr.html_url}/commits/${pushed.sha}`,
      branch: fu.headRef,
      files: d.changes.map((c) => c.path),
      commitSha: pushed.sha,
      rebased: pushed.rebased,
      summary,
      checksFailed: d.checksFailed,
    };
  }
  const pr = await publish(gh, {
    owner: job.repo.owner,
    repo: job.repo.name,
    base: d.base,
    // A follow-up on someone else's PR goes into their branch through a PR of its own.
    baseBranch: fu ? fu.headRef : job.repo.defaultBranch,
    changes: d.changes,
    branch: d.prior?.branch ?? branchName(job.config.branchPrefix, job.issue.number, job.issue.title, fu ? 'pr-' : ''),
    reuseBranch: d.prior?.branch !== undefined,
    onBranch: (branch) => d.record({ branch }),
    commitMessage: message,
    title: pullRequestTitle(d.result.structured?.title, fu ? `${job.issue.title} (follow-up)` : job.issue.title),
    body: pullRequestBody(job, {
      result: d.result,
      costUsd: d.costUsd,
      usage: d.usage,
      model: d.model,
      durationMs: d.durationMs,
      changes: d.changes,
      verify: d.verify,
      template: d.template,
      runUrl: d.runUrl,
    }),
    draft: job.config.draft || d.checksFailed,
    reviewer: job.trigger.sender.login,
    onWarning: (err, what) => d.log.warn({ err }, what),
  });
  await d.record({ prNumber: pr.number });
  return {
    kind: 'pr',
    number: pr.number,
    url: pr.url,
    branch: pr.branch,
    files: d.changes.map((c) => c.path),
    commitSha: pr.commitSha,
    checksFailed: d.checksFailed,
  };
}

/** A compare member's changes as one commit on its own branch, with the lines it changed (GitHub counts them). */
async function deliverToBranch(d: Delivery, name: string, message: string): Promise<Outcome> {
  const { owner, name: repo } = d.job.repo;
  const { branch, commitSha } = await commitToBranch(d.gh, {
    owner,
    repo,
    base: d.base,
    changes: d.changes,
    branch: name,
    commitMessage: message,
  });
  const { data } = await d.gh.rest.repos.compareCommitsWithBasehead({
    owner,
    repo,
    basehead: `${d.base.sha}...${commitSha}`,
  });
  const files = data.files ?? [];
  const results = d.verify?.results;
  return {
    kind: 'branch',
    branch,
    commitSha,
    files: d.changes.map((c) => c.path),
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
    summary: d.result.summary.trim(),
    ...(results && { verify: { total: results.length, failing: results.filter((r) => !r.passed).length } }),
  };
}
