import { redactor } from '../security/redactor.js';

/** Markers around the summary in the PR body the app writes, so a follow-up can replace just that part. */
export const SUMMARY_START = '<!-- issue-agent:summary:start -->';
export const SUMMARY_END = '<!-- issue-agent:summary:end -->';

/** The summary between its markers, for the PR body. Marker look-alikes inside the summary are removed. */
export function wrapSummary(summary: string): string {
  return `${SUMMARY_START}\n${clean(summary)}\n${SUMMARY_END}`;
}

/**
 * The PR body with the text between the summary markers replaced by `newSummary`; the rest of
 * the body (whatever the app or people wrote around it) is kept as it is. Without a complete
 * pair of markers (a person removed them), the new summary is put in front of the body.
 */
export function replaceSummary(body: string | null | undefined, newSummary: string): string {
  const text = body ?? '';
  const start = text.indexOf(SUMMARY_START);
  const end = start === -1 ? -1 : text.indexOf(SUMMARY_END, start + SUMMARY_START.length);
  if (start === -1 || end === -1) return text.trim() ? `${wrapSummary(newSummary)}\n\n${text}` : wrapSummary(newSummary);
  return text.slice(0, start) + wrapSummary(newSummary) + text.slice(end + SUMMARY_END.length);
}

/** Redacted, trimmed, and unable to forge a marker (agent output is not trusted to keep the body's shape). */
function clean(summary: string): string {
  return redactor
    .redact(summary)
    .replace(/<!--\s*issue-agent:summary:(?:start|end)\s*-->/gi, '')
    .trim();
}
