import type { Outcome } from '../../domain/outcome.js';
import { formatDuration } from '../../github/status-text.js';

export { formatDuration };

export function usd(amount: number | undefined): string {
  return amount === undefined ? '–' : `$${amount.toFixed(2)}`;
}

/** UTC date and time, to the minute ("2026-12-03 16:50 UTC"). */
export function when(ms: number | undefined): string {
  return ms === undefined ? '–' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Time into the run as `m:ss` (or `h:mm:ss`). */
export function offset(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  return h > 0 ? `${h}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}` : `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

/** The final outcome in one line (the status comment says the same in more words). */
export function outcomeLine(o: Outcome): string {
  switch (o.kind) {
    case 'pr':
      return `opened pull request #${o.number}${o.checksFailed ? ' (draft: the verify commands still fail)' : ''}`;
    case 'pushed':
      return `pushed ${o.commitSha.slice(0, 7)} to ${o.branch} (#${o.number})${o.checksFailed ? '; the verify commands still fail' : ''}`;
    case 'no-changes':
      return 'finished without changing any files';
    case 'branch':
      return `committed to ${o.branch} (one agent of a compare)`;
    case 'compared':
      return `compared ${o.compare.contenders.length} agents; no pull request opened${o.compare.winner ? '' : ' (no agent qualified)'}`;
    case 'setup-ok':
      return `setup passed (${o.commands} command${o.commands === 1 ? '' : 's'}; /agent doctor --setup)`;
    case 'failed':
      return `failed: ${o.reason}`;
    case 'cancelled':
      return `cancelled by @${o.by}`;
    case 'stopped':
      return `stopped: ${o.reason}`;
  }
}
