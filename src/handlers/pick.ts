import type { Logger } from 'pino';
import type { AgentName } from '../agents/types.js';
import type { CompareResult } from '../domain/compare.js';
import { shownAgent } from '../domain/job.js';
import { issueKey } from '../domain/issue-key.js';
import type { Outcome } from '../domain/outcome.js';
import { comparePullRequestBody } from '../github/pr-text.js';
import { renderStatus } from '../github/status-text.js';
import { commitTreeOf } from '../github/switch-result.js';
import type { JobStore, RepoRef, StoredJob } from '../jobs/store/types.js';
import { openWinnerPullRequest } from '../pipeline/compare-group.js';
import { acknowledge, editComment, reply, type Thread } from './replies.js';
import type { TriggerEvent } from './trigger-event.js';

/**
 * `/agent pick <agent>` on the issue of a compare, or on its pull request: that agent's result
 * becomes the PR's content (a new commit whose tree is its branch's tree), or opens the PR when
 * the group opened none. The status comment and the PR body name the new choice.
 */
export async function pick(
  ev: TriggerEvent,
  thread: Thread,
  agent: AgentName,
  deps: { store: JobStore; log: Logger },
): Promise<void> {
  try {
    await pickResult(ev, thread, agent, deps);
  } catch (err) {
    // The person who asked hears why (e.g. someone pushed to the PR branch meanwhile).
    await reply(ev.gh, thread, `Could not pick \`${agent}\`'s result: ${(err as Error).message}`);
    throw err;
  }
}

async function pickResult(
  ev: TriggerEvent,
  thread: Thread,
  agent: AgentName,
  deps: { store: JobStore; log: Logger },
): Promise<void> {
  const group = await compareGroupOf(ev, deps.store);
  const outcome = group?.outcome;
  const compare = outcome && (outcome.kind === 'compared' || outcome.kind === 'pr') ? outcome.compare : undefined;
  if (!group || (outcome && !compare)) {
    await reply(ev.gh, thread, 'There is no compare here to pick from: `pick` chooses among the results of a compare.');
    return;
  }
  if (!compare) {
    await reply(ev.gh, thread, 'The compare is still running: pick once every agent has finished.');
    return;
  }
  const chosen = compare.contenders.find((c) => c.agent === agent);
  if (chosen?.outcome !== 'changed' || !chosen.branch || !chosen.commitSha) {
    await reply(
      ev.gh,
      thread,
      `\`${agent}\` has no result to pick in this compare: it ${chosen ? describe(chosen.outcome) : 'was not part of it'}.`,
    );
    return;
  }
  const { job } = group;
  const { owner, name: repo } = job.repo;
  const picked: CompareResult = { ...compare, winner: agent };
  const prNumber = group.prNumber ?? (outcome?.kind === 'pr' ? outcome.number : undefined);
  let now: Outcome;
  if (prNumber === undefined) {
    now = await openWinnerPullRequest(job, { gh: ev.gh, log: deps.log }, picked, chosen, chosen.summary, []);
    await deps.store.record(group.id, { prNumber: (now as Extract<Outcome, { kind: 'pr' }>).number });
  } else {
    const { data: pr } = await ev.gh.rest.pulls.get({ owner, repo, pull_number: prNumber });
    if (pr.state !== 'open') {
      await reply(ev.gh, thread, `Pull request #${prNumber} is closed: reopen it to pick another result.`);
      return;
    }
    const sha = await commitTreeOf(ev.gh, {
      owner,
      repo,
      branch: pr.head.ref,
      headSha: pr.head.sha,
      treeOf: chosen.commitSha,
      message: `Switch to ${agent}'s result (#${job.issue.number})\n\nPicked by @${ev.sender.login} with \`pick\` from \`${chosen.branch}\`.`,
    });
    await ev.gh.rest.pulls.update({
      owner,
      repo,
      pull_number: prNumber,
      body: comparePullRequestBody(job, picked, chosen.summary),
    });
    now = {
      kind: 'pr',
      number: prNumber,
      url: pr.html_url,
      branch: pr.head.ref,
      files: [],
      commitSha: sha,
      compare: picked,
    };
  }
  deps.log.info({ job: group.id, agent, pr: (now as { number: number }).number }, 'picked a compare result');
  await acknowledge(ev.gh, thread);
  if (group.statusCommentId !== undefined) {
    await editComment(
      ev.gh,
      thread.issue_number === job.issue.number ? thread : { ...thread, issue_number: job.issue.number },
      group.statusCommentId,
      renderStatus({ outcome: now, agent: shownAgent(job) }),
    );
  }
}

/** The compare group of this issue, or of the compare PR this is. */
async function compareGroupOf(ev: TriggerEvent, store: JobStore): Promise<StoredJob | undefined> {
  return ev.issue.isPullRequest
    ? compareGroupOfPullRequest(store, ev.repo, ev.issue.number)
    : store.latestCompareFor(issueKey({ repo: ev.repo, issue: ev.issue }));
}

/** The compare group that opened this PR, through the follow-ups that worked on it since. */
export async function compareGroupOfPullRequest(
  store: JobStore,
  repo: RepoRef,
  prNumber: number,
): Promise<StoredJob | undefined> {
  let at = await store.latestForPullRequest(repo, prNumber);
  for (let hops = 0; at && !at.job.compare && hops < 100; hops++) {
    const previous = at.job.followUp?.previous?.jobId;
    at = previous === undefined ? undefined : await store.get(previous);
  }
  return at;
}

/**
 * When a compare's PR is merged or closed, the other agents' branches go (unless
 * `compare.keepBranches`); the PR's own branch is GitHub's and the user's to delete.
 */
export async function deleteLosingBranches(
  gh: TriggerEvent['gh'],
  store: JobStore,
  repo: RepoRef,
  pr: { number: number; headRef: string },
  log: Logger,
): Promise<void> {
  const group = await compareGroupOfPullRequest(store, repo, pr.number);
  const outcome = group?.outcome;
  // A PR `/agent pick` opened after the group left it to a person has the `compared` outcome.
  const compare = outcome?.kind === 'pr' || outcome?.kind === 'compared' ? outcome.compare : undefined;
  if (!group || !compare || group.job.config.compare.keepBranches) return;
  for (const c of compare.contenders) {
    if (!c.branch || c.branch === pr.headRef) continue;
    await gh.rest.git
      .deleteRef({ owner: group.job.repo.owner, repo: group.job.repo.name, ref: `heads/${c.branch}` })
      .catch((err: unknown) => log.warn({ err, branch: c.branch }, 'could not delete a losing compare branch'));
  }
}

function describe(outcome: string): string {
  return outcome === 'no-changes' ? 'changed nothing' : outcome === 'stopped' ? 'was stopped' : outcome;
}
