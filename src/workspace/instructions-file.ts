import { command } from '../sandbox/shell.js';
import type { Sandbox } from '../sandbox/types.js';

/** Where agents' instructions usually live, in the order the default picks the first that exists. */
export const DEFAULT_INSTRUCTIONS_FILES = ['AGENTS.md', 'CLAUDE.md', '.github/copilot-instructions.md'] as const;
/** More than this is cut: the text goes into every prompt of the run. */
export const MAX_INSTRUCTIONS_BYTES = 64 * 1024;

/** The repository's instructions file as read from the clone. */
export interface InstructionsFile {
  /** Path from the repository root, as configured or found. */
  path: string;
  /** Its text (the repository's content: data for the agent), at most MAX_INSTRUCTIONS_BYTES. */
  content: string;
  truncated: boolean;
  /** Of the names asked about (`probe`), those that exist in the clone: what a CLI would read itself. */
  present: string[];
}

/** The configured `instructionsFile` cannot be used: a config error, the run does not start. */
export class InstructionsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstructionsFileError';
  }
}

/** Per candidate: missing, outside (resolves out of the clone), notfile, or ok and its resolved path. */
const PROBE_SCRIPT = [
  'root=$(realpath -e -- .) || exit 3',
  'for p in "$@"; do',
  '  r=$(realpath -e -- "$p" 2>/dev/null) || { echo missing; continue; }',
  '  case "$r" in "$root"/*) ;; *) echo outside; continue ;; esac',
  '  if [ -f "$r" ]; then printf "ok %s\\n" "$r"; else echo notfile; fi',
  'done',
].join('\n');

type Probe = { state: 'missing' | 'outside' | 'notfile' } | { state: 'ok'; resolved: string };

/**
 * The instructions file of the clone in `dir`: `configured` when set (a config error when it is
 * missing, not a regular file, or a symlink that leads out of the repository), else the first of
 * DEFAULT_INSTRUCTIONS_FILES that is a regular file inside it; undefined when there is none.
 * Read in the sandbox: the content is the repository's, never the host's. `probe` names other
 * files whose presence the caller needs (those the agent's CLI reads by itself).
 */
export async function readInstructionsFile(
  sandbox: Sandbox,
  options: { dir: string; configured?: string; probe?: readonly string[]; signal?: AbortSignal },
): Promise<InstructionsFile | undefined> {
  const { dir, configured, signal } = options;
  const candidates = configured === undefined ? [...DEFAULT_INSTRUCTIONS_FILES] : [configured];
  const names = [...new Set([...candidates, ...(options.probe ?? [])])];
  const probed = await sandbox.run(command('sh', '-c', PROBE_SCRIPT, 'sh', ...names), { cwd: dir, signal });
  if (probed.exitCode !== 0) throw new Error(`could not look for the instructions file: ${probed.stderr.trim()}`);
  const states = new Map(names.map((name, i) => [name, parseProbe(probed.stdout.split('\n')[i])]));
  const present = (options.probe ?? []).filter((name) => states.get(name)?.state !== 'missing');

  if (configured !== undefined) {
    const state = states.get(configured)!;
    if (state.state !== 'ok') throw new InstructionsFileError(configuredProblem(configured, state.state));
  }
  const chosen = candidates.find((name) => states.get(name)?.state === 'ok');
  if (chosen === undefined) return undefined;
  const resolved = (states.get(chosen) as Extract<Probe, { state: 'ok' }>).resolved;
  const read = await sandbox.run(command('head', '-c', String(MAX_INSTRUCTIONS_BYTES + 1), '--', resolved), {
    cwd: dir,
    signal,
  });
  if (read.exitCode !== 0) throw new Error(`could not read ${chosen}: ${read.stderr.trim()}`);
  const bytes = Buffer.from(read.stdout, 'utf8');
  const truncated = bytes.length > MAX_INSTRUCTIONS_BYTES;
  const content = truncated ? bytes.subarray(0, MAX_INSTRUCTIONS_BYTES).toString('utf8') : read.stdout;
  return { path: chosen, content, truncated, present };
}

function parseProbe(line: string | undefined): Probe {
  if (line?.startsWith('ok ')) return { state: 'ok', resolved: line.slice(3) };
  if (line === 'outside' || line === 'notfile') return { state: line };
  return { state: 'missing' };
}

function configuredProblem(path: string, state: 'missing' | 'outside' | 'notfile'): string {
  switch (state) {
    case 'missing':
      return `\`instructionsFile\`: \`${path}\` does not exist in the repository`;
    case 'outside':
      return `\`instructionsFile\`: \`${path}\` is a symbolic link that leads outside the repository`;
    case 'notfile':
      return `\`instructionsFile\`: \`${path}\` is not a regular file`;
  }
}
