/**
 * Small helpers the agent output parsers share. CLI output is untrusted JSON of a shape that
 * moves between versions, so every field is narrowed here instead of cast.
 */

export type JsonObject = Record<string, unknown>;

/** The JSON object on this line, or undefined for anything else (log lines, arrays, junk). */
export function parseJsonObject(text: string): JsonObject | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    return obj(JSON.parse(trimmed));
  } catch {
    return undefined;
  }
}

export function obj(v: unknown): JsonObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A command shortened for a status line: first line only, at most 80 characters. */
export function shortCommand(cmd: string): string {
  const first = cmd.trim().split('\n')[0] ?? '';
  const line = first.length > 80 ? `${first.slice(0, 77)}...` : first;
  return cmd.trim().includes('\n') && !line.endsWith('...') ? `${line} ...` : line;
}

/** `ran \`cmd\`` for a shell tool call. */
export function ranCommand(cmd: string): string {
  return `ran \`${shortCommand(cmd)}\``;
}

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/**
 * The end of a CLI's stderr, for a failure that printed nothing else (a CLI that could not
 * start, or AMP, which prints its errors only there). Colour codes and blank lines removed.
 */
export function stderrTail(stderr: string, maxChars = 600): string {
  const lines = stderr
    .replace(ANSI, '')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  const out: string[] = [];
  let size = 0;
  for (let i = lines.length - 1; i >= 0 && size < maxChars; i--) {
    const line = lines[i] ?? '';
    out.unshift(line);
    size += line.length + 1;
  }
  const text = out.join('\n');
  return text.length > maxChars ? text.slice(text.length - maxChars) : text;
}

/** `path` relative to the repository (`cwd`) when it lies inside it; otherwise as given. */
export function relativePath(path: string, cwd: string | undefined): string {
  if (!cwd) return path;
  const root = cwd.replace(/\/+$/, '');
  if (path === root) return '.';
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}
