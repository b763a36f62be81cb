/**
 * Parts of the PR body the app wrote between markers, so a follow-up can replace just them:
 * the agent's summary, and the verify checks' results.
 */
type Part = 'summary' | 'checks';

const start = (part: Part) => `<!-- issue-agent:${part}:start -->`;
const end = (part: Part) => `<!-- issue-agent:${part}:end -->`;

export const SUMMARY_START = start('summary');
export const SUMMARY_END = end('summary');

/** The summary between its markers, for the PR body. Marker look-alikes inside the summary are removed. */
export function wrapSummary(summary: string): string {
  return wrap('summary', summary);
}

/** The verify section between its markers (empty when there is none). */
export function wrapChecks(section: string): string {
  return section ? wrap('checks', section) : '';
}

/**
 * The PR body with the text between the summary markers replaced by `newSummary`; the rest of
 * the body (whatever the app or people wrote around it) is kept as it is. Without a complete
 * pair of markers (a person removed them), the new summary is put in front of the body.
 */
export function replaceSummary(body: string | null | undefined, newSummary: string): string {
  return replacePart(body, 'summary', newSummary, 'front');
}

/** Like `replaceSummary`, for the verify section; without its markers it goes at the end. */
export function replaceChecks(body: string | null | undefined, section: string): string {
  return replacePart(body, 'checks', section, 'end');
}

function replacePart(body: string | null | undefined, part: Part, content: string, otherwise: 'front' | 'end'): string {
  const text = body ?? '';
  const from = text.indexOf(start(part));
  const to = from === -1 ? -1 : text.indexOf(end(part), from + start(part).length);
  if (from === -1 || to === -1) {
    if (!text.trim()) return wrap(part, content);
    return otherwise === 'front' ? `${wrap(part, content)}\n\n${text}` : `${text}\n\n${wrap(part, content)}`;
  }
  return text.slice(0, from) + wrap(part, content) + text.slice(to + end(part).length);
}

function wrap(part: Part, content: string): string {
  return `${start(part)}\n${clean(content)}\n${end(part)}`;
}

/** Trimmed, and unable to forge a marker (agent output is not trusted to keep the body's shape). */
function clean(text: string): string {
  // Until nothing is left: removing one marker must not join the pieces around it into another.
  let out = text;
  for (let last = ''; out !== last;) {
    last = out;
    out = out.replace(MARKER, '');
  }
  return out.trim();
}

const MARKER = /<!--\s*issue-agent:(?:summary|checks):(?:start|end)\s*-->/gi;
