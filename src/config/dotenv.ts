import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { EnvError } from './env.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;
const QUOTES = ['"', "'", '`'];
const NOT_AN_ASSIGNMENT = 'expected NAME=value, or a comment with # at the start of the line';

/**
 * Loads `.env` at `path` (what Probot's setup page writes: APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, ...)
 * into `env`. A variable already set in `env` wins over the file, as with `node --env-file` and
 * `process.loadEnvFile` (checked on Node 20.20). Returns false when there is no such file.
 *
 * Parsed by Node's own parser (`util.parseEnv`, as process.loadEnvFile and Probot do), which
 * drops or merges what it does not understand without a word: a line without `=` (a PEM pasted
 * unquoted, say) becomes part of the next variable's name, which is then lost. Such a file is
 * refused with an EnvError naming line numbers, never content.
 */
export function applyDotEnv(path: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!existsSync(path)) return false;
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    throw new EnvError([`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})`]);
  }
  const lines = text.split(/\r?\n/);
  const problems = new Map<number, string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const m = ASSIGNMENT.exec(line);
    if (!m) {
      problems.set(i, NOT_AN_ASSIGNMENT);
      continue;
    }
    // A quoted value may span lines, up to its closing quote.
    const quote = m[2]!.charAt(0);
    if (!QUOTES.includes(quote) || m[2]!.indexOf(quote, 1) !== -1) continue;
    const end = lines.findIndex((l, j) => j > i && l.includes(quote));
    if (end === -1) problems.set(i, `the value of ${m[1]} opens a ${quote} quote that is never closed`);
    else i = end;
  }
  const parsed = parseEnv(text);
  // What the parser made of lines the check above lets through (an indented comment, on Node 20).
  for (const key of Object.keys(parsed)) {
    if (NAME.test(key)) continue;
    const first = key.split('\n')[0]!.trim();
    const at = lines.findIndex((l) => l.trim() === first || l.trim() === `export ${first}`);
    if (at !== -1) {
      if (!problems.has(at)) problems.set(at, NOT_AN_ASSIGNMENT);
    } else if (problems.size === 0) {
      // Parsers differ between Node versions; the lines named above already explain any they misread.
      problems.set(lines.length, 'a line Node cannot parse hides the variable after it');
    }
  }
  if (problems.size > 0) {
    throw new EnvError(
      [...problems]
        .sort(([a], [b]) => a - b)
        .map(([i, p]) => (i < lines.length ? `${path} line ${i + 1}: ${p}` : `${path}: ${p}`)),
    );
  }
  for (const [key, value] of Object.entries(parsed))
    if (env[key] === undefined && value !== undefined) env[key] = value;
  return true;
}
