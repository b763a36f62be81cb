import { runModel } from '../agents/index.js';
import { agentRecords, pickWinner, verifyPassed, type CompareResult, type Contender } from '../domain/compare.js';
import type { Job } from '../domain/job.js';
import type { Outcome, Phase } from '../domain/outcome.js';
import { branchName } from '../github/branch-name.js';
import { comparePullRequestBody, pullRequestTitle } from '../github/pr-text.js';
import { openPullRequest } from '../github/publish.js';
import { firstLine, runJob, type PipelineDeps } from './run-job.js';

export interface GroupDeps extends PipelineDeps {
  /** Each agent's phase as it changes, and its outcome when it ends (the group's status comment). */
  onMember(agent: string, phase: Phase, note?: string): void;
  onMemberDone(agent: string, outcome: Outcome): void;
  /** The repository's earlier compare results, for each agent's record under the table. */
  history?: () => Promise<CompareResult[]>;
}

/**
 * A compare group (`job.compare`): every agent runs the same job in its own sandbox, in
 * parallel, and commits to a branch of its own. Then the winner rule (domain/compare.ts) picks
 * one, whose branch becomes the one pull request; with `compare.pick: manual` only a winner
 * whose verify commands pass opens it by itself. The signal stops every agent at once.
 */
export async function runCompareGroup(job: Job, deps: GroupDeps, signal: AbortSignal): Promise<Outcome> {
  const spec = job.compare!;
  const now = deps.now ?? Date.now;
  const base = branchName(job.config.branchPrefix, job.issue.number, job.issue.title);
  // Without the broker's meter (which is the group's), the group's cost is the sum of the agents' own.
  const costs = new Map<string, number>();
  const ended = await Promise.all(
    spec.agents.map(async (agent) => {
      const member: Job = { ...job, agent, model: spec.models[agent], compare: undefined };
      const started = now();
      let costUsd: number | undefined;
      const outcome = await runJob(
        member,
        {
          ...deps,
          log: deps.log.child({ agent }),
          onPhase: (phase, note) => deps.onMember(agent, phase, note),
          onCost: (total) => {
            costUsd = total;
            if (total !== undefined) costs.set(agent, total);
            deps.onCost?.([...costs.values()].reduce((a, b) => a + b, 0));
          },
          // A group records nothing per agent: after a restart it runs again from the start.
          prior: undefined,
          record: undefined,
          compareBranch: `${base}-${agent}`,
        },
        signal,
      );
      deps.onMemberDone(agent, outcome);
      return { outcome, contender: contender(member, outcome, costUsd, now() - started) };
    }),
  );
  const cancelled = ended.find((e) => e.outcome.kind === 'cancelled');
  if (cancelled) return cancelled.outcome;
  const contenders = ended.map((e) => e.contender);
  const winner = pickWinner(contenders);
  const compare: CompareResult = {
    contenders,
    baseBranch: job.repo.defaultBranch,
    repoUrl: job.repo.cloneUrl.replace(/\.git$/, ''),
    ...(winner && { winner: winner.agent }),
  };
  compare.record = agentRecords([compare, ...((await deps.history?.().catch(() => [])) ?? [])]);
  if (!winner || (job.config.compare.pick === 'manual' && !verifyPassed(winner))) return { kind: 'compared', compare };
  const won = ended.find((e) => e.contender === winner)!.outcome as Extract<Outcome, { kind: 'branch' }>;
  deps.onPhase('committing');
  return openWinnerPullRequest(job, deps, compare, winner, won.summary, won.files);
}

/** The pull request from the chosen agent's branch (a `changed` contender), with the comparison in its body. */
export async function openWinnerPullRequest(
  job: Job,
  deps: Pick<PipelineDeps, 'gh' | 'log'>,
  compare: CompareResult,
  won: Contender,
  summary: string,
  files: string[],
): Promise<Outcome> {
  const checksFailed = !verifyPassed(won);
  const pr = await openPullRequest(deps.gh, {
    owner: job.repo.owner,
    repo: job.repo.name,
    head: won.branch!,
    baseBranch: compare.baseBranch,
    title: pullRequestTitle(undefined, job.issue.title),
    body: comparePullRequestBody(job, compare, summary),
    draft: job.config.draft || checksFailed,
    reviewer: job.trigger.sender.login,
    onWarning: (err, what) => deps.log.warn({ err }, what),
  });
  return {
    kind: 'pr',
    number: pr.number,
    url: pr.url,
    branch: won.branch!,
    files,
    commitSha: won.commitSha,
    checksFailed,
    compare,
  };
}

/** One agent's run as the winner rule and the table read it. */
function contender(member: Job, outcome: Outcome, costUsd: number | undefined, durationMs: number): Contender {
  const model = runModel(member);
  const common = { agent: member.agent, ...(model !== undefined && { model }), costUsd, durationMs };
  switch (outcome.kind) {
    case 'branch':
      return {
        ...common,
        outcome: 'changed',
        branch: outcome.branch,
        commitSha: outcome.commitSha,
        ...(outcome.verify && { verify: outcome.verify }),
        files: outcome.files.length,
        additions: outcome.additions,
        deletions: outcome.deletions,
        summary: firstLine(outcome.summary),
      };
    case 'no-changes':
      return {
        ...common,
        outcome: 'no-changes',
        files: 0,
        additions: 0,
        deletions: 0,
        summary: firstLine(outcome.answer),
      };
    case 'failed':
    case 'stopped':
      return {
        ...common,
        outcome: outcome.kind,
        files: 0,
        additions: 0,
        deletions: 0,
        summary: firstLine(outcome.reason),
      };
    default:
      return { ...common, outcome: 'cancelled', files: 0, additions: 0, deletions: 0, summary: '' };
  }
}
