import type { CompareResult } from '../domain/compare.js';
import type { Outcome, Phase } from '../domain/outcome.js';
import type { RepliedThread } from '../domain/thread-reply.js';
import { neutralizeAgentText } from './agent-text.js';
import { fenced } from '../config/markdown.js';
import { renderComparison } from './compare-text.js';

/** What the status comment shows; a pure view of the job's state. */
export type StatusView =
  | { phase: Phase; agent: string; queuedBehind?: number; note?: string; members?: MemberStatus[] }
  | {
      outcome: Outcome;
      agent: string;
      durationMs?: number;
      /** `costText` of the run, when known. */
      cost?: string;
      /** The run's page in the web view, when it is on and PUBLIC_URL is set. */
      runUrl?: string;
    };

/** One agent of a compare group in the group's status comment: its phase, or how it ended. */
export interface MemberStatus {
  agent: string;
  phase: Phase;
  note?: string;
  /** Its outcome once it ended. */
  outcome?: Outcome;
}

const PHASE_TEXT: Record<Phase, (agent: string) => string> = {
  queued: () => '⏳ Queued',
  starting: () => '🚀 Starting the sandbox',
  cloning: () => '📥 Cloning the repository',
  setup: () => '🔧 Running the setup commands',
  running: (agent) => `🤖 Running ${agent}`,
  verifying: () => '🧪 Running the verify commands',
  fixing: (agent) => `🔁 ${agent} is fixing what the verify commands reported`,
  committing: () => '📝 Committing the changes',
};

export function renderStatus(view: StatusView): string {
  if ('phase' in view) return renderPhase(view);
  const facts = [view.cost && `💰 ${view.cost}`, view.runUrl && `[🔎 transcript and details](${view.runUrl})`];
  return [renderOutcome(view), ...facts.filter(Boolean)].join('\n\n');
}

function renderPhase(view: Extract<StatusView, { phase: Phase }>): string {
  if (view.members && view.phase !== 'queued') return renderMembers(view.agent, view.members);
  const behind = view.queuedBehind ? ` behind ${view.queuedBehind} other run${view.queuedBehind > 1 ? 's' : ''}` : '';
  const note = view.note ? ` (${view.note})` : '';
  return `**issue-agent** · ${view.agent}\n\n${PHASE_TEXT[view.phase](view.agent)}${behind}${note}…`;
}

/** A compare group under way: one line per agent, its phase or its end. */
function renderMembers(agent: string, members: readonly MemberStatus[]): string {
  const lines = members.map((m) => {
    const state = m.outcome
      ? renderOutcome({ outcome: m.outcome, agent: m.agent }).split('\n\n')[1]!.split('\n')[0]!
      : `${PHASE_TEXT[m.phase](m.agent)}${m.note ? ` (${m.note})` : ''}…`;
    return `- **${m.agent}**: ${state}`;
  });
  return `**issue-agent** · ${agent}\n\n${lines.join('\n')}`;
}

function renderOutcome(view: Extract<StatusView, { outcome: Outcome }>): string {
  const header = `**issue-agent** · ${view.agent}`;
  const took = view.durationMs === undefined ? '' : ` in ${formatDuration(view.durationMs)}`;
  const o = view.outcome;
  switch (o.kind) {
    case 'pr':
      return `${header}\n\n✅ Opened pull request #${o.number}${took}${o.compare ? ` with ${o.compare.winner}'s result` : ''}: ${o.url}${o.checksFailed ? '\n\n⚠️ The verify commands still fail: the pull request is a draft.' : ''}${threadList(o.threads)}${o.compare ? `\n\n${renderComparison(o.compare)}` : ''}`;
    case 'branch':
      return `${header}\n\n✅ Committed ${o.commitSha.slice(0, 7)} to \`${o.branch}\`${took}.`;
    case 'compared':
      return `${header}\n\n${comparedLine(o.compare, took)}\n\n${renderComparison(o.compare)}`;
    case 'pushed':
      return (
        [
          `${header}\n\n✅ Pushed ${o.commitSha.slice(0, 7)} to \`${o.branch}\` (#${o.number})${took}${o.rebased ? ', on top of commits pushed meanwhile' : ''}: ${o.url}`,
          ...(o.checksFailed ? ['⚠️ The verify commands still fail.'] : []),
          quoteBlock(neutralizeAgentText(o.summary) || '(no summary)'),
        ].join('\n\n') + threadList(o.threads)
      );
    case 'no-changes':
      return `${header}\n\n💬 Finished${took} without changing any files. The agent's answer:\n\n${quoteBlock(neutralizeAgentText(o.answer) || '(no answer)')}${threadList(o.threads)}`;
    case 'failed':
      return `${header}\n\n❌ Failed${took}: ${neutralizeAgentText(o.reason)}`;
    case 'setup-ok':
      return `${header}\n\n✅ The ${o.commands === 1 ? 'setup command' : `${o.commands} setup commands`} succeeded in a fresh sandbox${took}. The end of the output:\n\n${fenced(o.tail.trimEnd() || '(no output)')}`;
    case 'cancelled':
      return `${header}\n\n🛑 Cancelled by @${o.by}${took}.`;
    case 'stopped':
      return `${header}\n\n⏹️ Stopped${took}: ${o.reason}. Nothing was committed.`;
  }
}

/** Why a compare group opened no pull request, and what a maintainer can do. */
function comparedLine(compare: CompareResult, took: string): string {
  const compared = `⚖️ Compared ${compare.contenders.length} agents${took}`;
  if (!compare.winner) return `${compared}: none produced a change that can become the pull request.`;
  return `${compared}. ${compare.winner}'s result ranks first, but its verify commands fail and \`compare.pick\` is \`manual\`: comment \`/agent pick <agent>\` to open the pull request with the result you choose.`;
}

/** The review threads the app replied in, one line each (the reply text is already neutralized). */
function threadList(threads: readonly RepliedThread[] | undefined): string {
  if (!threads?.length) return '';
  const lines = threads.map((t) => {
    // A path is anyone's file name: no backtick or bracket of it may end the code span or the link.
    const path = t.path.replace(/[\s`[\]]+/g, ' ');
    const where = t.line === undefined ? `\`${path}\`` : `\`${path}\` line ${t.line}`;
    return `- [${where}](${t.url}): ${t.reply}${t.resolved ? ' (resolved)' : ''}`;
  });
  return `\n\nReplied in ${threads.length} review thread${threads.length === 1 ? '' : 's'}:\n\n${lines.join('\n')}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${s % 60} s`;
}

export function quoteBlock(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
}
