import { inlineCode } from '../config/markdown.js';
import { verifyPassed, type AgentRecord, type CompareResult, type Contender } from '../domain/compare.js';
import { neutralizeAgentText } from './agent-text.js';
import { formatCost } from './progress.js';
import { formatDuration } from './status-text.js';

export type ComparisonView = Omit<CompareResult, 'winner'> & {
  /** The agent the rule picked (or a maintainer, with `/agent pick`); undefined: none qualifies. */
  winner?: string;
};

const OUTCOME_TEXT: Record<Contender['outcome'], string> = {
  changed: 'changed files',
  'no-changes': 'no changes',
  failed: 'failed',
  cancelled: 'cancelled',
  stopped: 'stopped (cost limit)',
};

/** The comparison table of a compare group, for the status comment and the PR body. */
export function renderComparison(view: ComparisonView): string {
  const rows = view.contenders.map((c) => {
    const mark = c.agent === view.winner ? ' 🏆' : '';
    const diff = c.branch
      ? `[diff](${view.repoUrl}/compare/${encodeRef(view.baseBranch)}...${encodeRef(c.branch)})`
      : '–';
    return `| ${c.agent}${mark} | ${c.model ? cell(c.model) : 'default'} | ${OUTCOME_TEXT[c.outcome]} | ${verifyText(c)} | ${c.files} | +${c.additions} −${c.deletions} | ${c.costUsd === undefined ? 'n/a' : formatCost(c.costUsd)} | ${formatDuration(c.durationMs)} | ${diff} | ${c.summary ? cell(neutralizeAgentText(c.summary)) : ''} |`;
  });
  return [
    '| Agent | Model | Outcome | Verify | Files | Lines | Cost | Duration | Branch | Summary |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'Winner rule: verify passed > fewer failing verify commands > fewer changed lines > lower cost > shorter duration; a run that failed or changed nothing never wins.',
    ...(view.record && view.record.length > 0 ? ['', recordLine(view.record)] : []),
  ].join('\n');
}

function verifyText(c: Contender): string {
  if (!c.verify) return c.outcome === 'changed' ? 'none configured' : '–';
  return verifyPassed(c) ? `✅ ${c.verify.total} passed` : `❌ ${c.verify.failing} of ${c.verify.total} failed`;
}

function recordLine(record: readonly AgentRecord[]): string {
  const parts = record.map((r) => {
    const rate = r.verifyRuns > 0 ? `, verify passed ${Math.round((100 * r.verifyPassed) / r.verifyRuns)}%` : '';
    return `${r.agent} won ${r.wins} of ${r.runs}${rate}, ${formatCost(r.costUsd)} in all`;
  });
  return `So far in this repository's compares: ${parts.join('; ')}.`;
}

/** Agent text and model names in a table cell: a code span (no Markdown, no HTML) that no `|` can split. */
function cell(text: string): string {
  return inlineCode(text, 100).replace(/\|/g, '\\|');
}

/** A branch in a compare URL: each path segment encoded, the slashes kept. */
function encodeRef(ref: string): string {
  return ref.split('/').map(encodeURIComponent).join('/');
}
