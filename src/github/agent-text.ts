/**
 * The agent's words are published by the app (PR body, status comment, check run), so GitHub
 * acts on them as the app's: `Fixes #123` would close an issue when the PR merges, `@user` and
 * `@org/team` would notify people. An agent steered by a prompt in an issue could do both.
 *
 * Two layers, so that how well the Markdown is understood here never decides whether it is safe:
 * - everywhere, code included, a ZERO WIDTH JOINER (U+200D) goes after the first letter of a
 *   closing keyword and after the `@` of a mention. It is invisible, and GitHub no longer sees
 *   a keyword or a mention. (Copied from a code block, such a name carries the invisible character.)
 * - in prose, the keyword with its references and the mention are also shown as inline code, so
 *   a reader sees they were quoted, not meant: `` `Fixes #123` ``, `` `@octocat` ``.
 *
 * Bare references (`#123`) stay links: they close nothing and notify no one.
 */

const ZWJ = '\u200D';
/** Not a word character before: GitHub's own rule for mentions, and a word boundary for keywords. */
const START = '(?<![A-Za-z0-9_])';
const KEYWORD = `(?:c${ZWJ}?lose[sd]?|f${ZWJ}?ix(?:e[sd])?|r${ZWJ}?esolve[sd]?)(?![A-Za-z0-9_])`;
/** `#12`, `GH-12`, `owner/repo#12`, or an issue or pull request URL (any host: GitHub Enterprise too). */
const REF = String.raw`(?:#\d+|GH-\d+|[\w.-]+\/[\w.-]+#\d+|https?:\/\/[^\s/]+\/[\w.-]+\/[\w.-]+\/(?:issues|pull)\/\d+)`;
/** Between a keyword and its reference: spaces, a colon, emphasis or a code span's backtick. */
const SEP = '[\\s:*_`]*';
/** `Fixes #1, #2 and #3` names three. */
const MORE = String.raw`(?:\s*,\s*|\s+and\s+|\s*&\s*|\s+)`;
const CLOSING = `${START}${KEYWORD}${SEP}${REF}(?:${MORE}${REF})*`;
const MENTION = `${START}@${ZWJ}?[A-Za-z0-9][A-Za-z0-9-]*(?:\\/[A-Za-z0-9](?:[\\w.-]*[\\w-])?)?`;
const MATCHES = () => new RegExp(`${CLOSING}|${MENTION}`, 'gi');

/**
 * The agent's Markdown with its closing keywords and mentions made inert. Idempotent: text
 * neutralized once comes out unchanged. The app's own lines (`Closes #N`, `Requested by @x`)
 * are written around it, never passed through it.
 */
export function neutralizeAgentText(markdown: string): string {
  const guarded = markdown.replace(MATCHES(), guard);
  return segments(guarded)
    .map((s) => (s.code ? s.text : s.text.replace(MATCHES(), (m) => (m.includes('`') ? m : `\`${m}\``))))
    .join('');
}

/** The match with one ZWJ after a keyword's first letter or a mention's `@`. */
function guard(match: string): string {
  const plain = match.replaceAll(ZWJ, '');
  return `${plain[0]}${ZWJ}${plain.slice(1)}`;
}

interface Segment {
  text: string;
  code: boolean;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** The text split into code (fenced blocks, code spans on one line) and the rest. */
function segments(text: string): Segment[] {
  const out: Segment[] = [];
  let fence: string | undefined;
  for (const line of text.split(/(?<=\n)/)) {
    const opener = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      out.push({ text: line, code: true });
      const closes =
        opener !== undefined &&
        opener[0] === fence[0] &&
        opener.length >= fence.length &&
        !line.slice(line.indexOf(opener) + opener.length).trim();
      if (closes) fence = undefined;
    } else if (
      opener !== undefined &&
      !(opener[0] === '`' && line.slice(line.indexOf(opener) + opener.length).includes('`'))
    ) {
      fence = opener;
      out.push({ text: line, code: true });
    } else {
      out.push(...codeSpans(line));
    }
  }
  return out;
}

/** A line's code spans: a run of n backticks up to the next run of exactly n (CommonMark). */
function codeSpans(line: string): Segment[] {
  const out: Segment[] = [];
  const runs = [...line.matchAll(/`+/g)];
  let prose = 0;
  for (let i = 0; i < runs.length; i++) {
    const open = runs[i]!;
    const closeAt = runs.findIndex((r, j) => j > i && r[0].length === open[0].length);
    if (closeAt === -1) continue;
    const close = runs[closeAt]!;
    out.push({ text: line.slice(prose, open.index), code: false });
    out.push({ text: line.slice(open.index, close.index + close[0].length), code: true });
    prose = close.index + close[0].length;
    i = closeAt;
  }
  out.push({ text: line.slice(prose), code: false });
  return out;
}
