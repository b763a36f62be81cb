import type { AgentRunResult } from '../agents/run-result.js';
import type { Job } from '../domain/job.js';
import type { FileChange } from '../workspace/types.js';
import { fenced } from '../config/markdown.js';
import { allPassed, verifyFailure, type VerifyResult } from '../domain/verify-result.js';
import { neutralizeAgentText } from './agent-text.js';
import { wrapChecks, wrapSummary } from './pr-summary.js';
import type { UsageTotals } from '../domain/usage.js';
import { costText } from './cost-text.js';
import type { CompareResult } from '../domain/compare.js';
import { renderComparison } from './compare-text.js';
import { formatDuration } from './status-text.js';

export interface RunFacts {
  result: AgentRunResult;
  /** The job's cost, every agent invocation included. */
  costUsd?: number;
  /** The broker's meter of the job's model calls, when they went through it. */
  usage?: UsageTotals;
  model?: string;
  durationMs: number;
  changes: FileChange[];
  /** Results of the repo's `verify` commands, when it has any. */
  verify?: { results: VerifyResult[]; attempts: number };
  /** The agent was given the repository's PR template: its structured summary is the filled template. */
  template?: boolean;
  /** The run's page in the web view (PUBLIC_URL), when it is on. */
  runUrl?: string;
}

/** The pull request body: the agent's summary, the closing keyword, run facts, changed files. */
export function pullRequestBody(job: Job, facts: RunFacts): string {
  const r = facts.result;
  const rows: [string, string][] = [
    ['Agent', job.agent],
    // Without a model asked for, the one the CLI says it ran (its default), when it says.
    ['Model', facts.model ?? r.model ?? 'default'],
    ['Duration', formatDuration(facts.durationMs)],
    ['Turns', r.turns === undefined ? 'n/a' : String(r.turns)],
    ['Cost', costText(facts.costUsd, facts.usage)],
    ...(facts.runUrl ? [['Run', `[transcript and details](${facts.runUrl})`] as [string, string]] : []),
  ];
  const files = facts.changes.map((c) => `- \`${c.path}\`${c.kind === 'delete' ? ' (deleted)' : ''}`);
  return [
    // The agent's words close nothing and ping no one; the app's own `Closes #N` below does close.
    wrapSummary(agentSections(r, { template: facts.template })),
    '',
    // A follow-up PR builds on another PR: it must not close anything.
    job.followUp ? `Follow-up to #${job.followUp.prNumber}.` : `Closes #${job.issue.number}`,
    '',
    `Requested by @${job.trigger.sender.login}.`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    `<details><summary>Changed files (${files.length})</summary>`,
    '',
    ...files,
    '',
    '</details>',
    ...(facts.verify
      ? ['', wrapChecks(renderVerifySection(facts.verify.results, { attempts: facts.verify.attempts }))]
      : []),
  ].join('\n');
}

/**
 * The body of a compare group's pull request: the chosen agent's summary, the closing keyword,
 * and the comparison table (every agent's branch, the rule, the winner).
 */
export function comparePullRequestBody(job: Job, compare: CompareResult, summary: string): string {
  return [
    wrapSummary(neutralizeAgentText(summary.trim()) || '_The agent gave no summary._'),
    '',
    `Closes #${job.issue.number}`,
    '',
    `Requested by @${job.trigger.sender.login}. ${compare.contenders.length} agents worked on the issue, each on a branch of its own; this pull request holds ${compare.winner}'s result.`,
    '',
    renderComparison(compare),
  ].join('\n');
}

/**
 * The agent's part of the PR body (between the summary markers), neutralized: with structured
 * output, its summary (the filled template when it was given one) or Summary / Testing / Risks;
 * without, its final message as before.
 */
export function agentSections(result: AgentRunResult, options: { template?: boolean } = {}): string {
  const s = result.structured;
  if (!s) return neutralizeAgentText(result.summary.trim()) || '_The agent gave no summary._';
  if (options.template && s.summary.trim()) return neutralizeAgentText(s.summary.trim());
  const sections = [
    ['Summary', s.summary],
    ['Testing', s.testing],
    ['Risks', s.risks],
  ].filter(([, text]) => text!.trim());
  // Only a summary: shown as the text was before, without a heading of its own.
  if (sections.length === 1 && sections[0]![0] === 'Summary') return neutralizeAgentText(s.summary.trim());
  if (sections.length === 0) return neutralizeAgentText(result.summary.trim()) || '_The agent gave no summary._';
  return sections.map(([heading, text]) => `### ${heading}\n\n${neutralizeAgentText(text!.trim())}`).join('\n\n');
}

/**
 * The agent's title is cut at this length; neutralizing at most doubles it (`@a ` becomes
 * `` `@a` ``), which stays under the 256 characters GitHub takes.
 */
const AGENT_TITLE_CHARS = 120;

/**
 * The PR title from the agent's structured `title`: one line, at most 120 characters, closing
 * keywords and mentions made inert like the rest of its text; `fallback` (the app's own title)
 * when it gives none.
 */
export function pullRequestTitle(agentTitle: string | undefined, fallback: string): string {
  // Control characters (newlines included) become spaces: a title is one line.
  const line = (agentTitle ?? '').replace(/[\p{Cc}\s]+/gu, ' ').trim();
  if (!line) return fallback;
  const chars = Array.from(line);
  const cut =
    chars.length > AGENT_TITLE_CHARS
      ? `${chars
          .slice(0, AGENT_TITLE_CHARS - 1)
          .join('')
          .trimEnd()}…`
      : line;
  return neutralizeAgentText(cut);
}

/**
 * The commit message. The trigger user is credited with a Co-authored-by trailer; the
 * commit itself has no custom author so GitHub signs it as the app.
 */
export function commitMessage(job: Job, noreplyDomain: string): string {
  const { login, id } = job.trigger.sender;
  return [
    `${job.issue.title} (#${job.issue.number})`,
    '',
    `Made by ${job.agent} through issue-agent for #${job.issue.number}.`,
    '',
    `Co-authored-by: ${login} <${id}+${login}@${noreplyDomain}>`,
  ].join('\n');
}

/** GitHub's noreply domain; GitHub Enterprise Server uses its own host. */
export function noreplyDomain(gheHost: string | undefined): string {
  return gheHost ? `users.noreply.${gheHost}` : 'users.noreply.github.com';
}

/** The PR body section: each command passed/failed with its output tail collapsed. */
export function renderVerifySection(results: readonly VerifyResult[], options: { attempts?: number } = {}): string {
  if (results.length === 0) return '';
  const lines = ['### Checks', ''];
  for (const r of results) {
    const status = r.passed ? 'passed' : verifyFailure(r);
    lines.push(
      `<details><summary>${r.passed ? '✅' : '❌'} <code>${escapeHtml(r.command)}</code> ${status}</summary>`,
      '',
      fenced(r.outputTail || '(no output)'),
      '',
      '</details>',
    );
  }
  if (!allPassed(results)) {
    const tries = options.attempts && options.attempts > 1 ? ` after ${options.attempts} attempts` : '';
    lines.push('', `⚠️ This pull request was opened as a draft because checks still failed${tries}.`);
  }
  return lines.join('\n');
}

/** Text for inside an HTML element: shown literally, no tags, no @mentions. */
function escapeHtml(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;');
}
