/**
 * Text from issues and config files is echoed back in comments. A code span shows it
 * literally (no @-mentions, links or formatting), whatever backticks it contains.
 */
export function inlineCode(text: string, maxLength = 80): string {
  const shown = text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
  const longestRun = Math.max(0, ...(shown.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  // CommonMark strips one space on each side, so padding keeps edge backticks inside the span.
  const pad = shown.startsWith('`') || shown.endsWith('`') || shown.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${shown.replace(/\r?\n/g, ' ')}${pad}${fence}`;
}

/** A fenced code block that `text` cannot close: the fence is longer than any backtick run in it. */
export function fenced(text: string, info = 'text'): string {
  const longest = Math.max(2, ...(text.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${text}\n${fence}`;
}
