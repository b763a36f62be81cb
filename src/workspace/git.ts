import { command, quote } from '../sandbox/shell.js';
import type { RunResult, Sandbox } from '../sandbox/types.js';

/**
 * After the agent ran, the repository is the agent's: its config could name hooks, an
 * fsmonitor command or filters that git would execute. Git run by the app therefore ignores
 * hooks, fsmonitor and every config file outside the repository; the repository's own config
 * is checked unchanged by the fingerprint before anything reads it.
 */
export const SAFE_GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

/** A git command line with hooks and fsmonitor switched off, every word quoted. */
export function safeGit(...args: string[]): string {
  return command('git', '-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', ...args);
}

/** Runs a command in `dir` with the safe git environment; a non-zero exit throws `make(message)`. */
export async function runChecked(
  sandbox: Sandbox,
  cmd: string,
  dir: string,
  make: (message: string) => Error,
  signal?: AbortSignal,
): Promise<RunResult> {
  const result = await sandbox.run(cmd, { cwd: dir, env: { ...SAFE_GIT_ENV }, signal });
  if (result.exitCode !== 0) throw make(lastLines(result.stderr) || `exit code ${result.exitCode}`);
  return result;
}

/**
 * Runs `use` with a fresh directory under the sandbox user's home (outside the repository, so
 * nothing written there shows up as a change), removed afterwards whatever happens.
 */
export async function withSandboxTempDir<T>(
  sandbox: Sandbox,
  name: string,
  dir: string,
  make: (message: string) => Error,
  signal: AbortSignal | undefined,
  use: (tmp: string) => Promise<T>,
): Promise<T> {
  const made = await runChecked(
    sandbox,
    `mktemp -d -p ${quote(sandbox.home)} ${quote(`${name}.XXXXXXXX`)}`,
    dir,
    make,
    signal,
  );
  const tmp = made.stdout.trim();
  try {
    return await use(tmp);
  } finally {
    await sandbox.run(`rm -rf -- ${quote(tmp)}`).catch(() => undefined); // best effort: the sandbox goes soon anyway
  }
}

/** The last few non-empty lines of a command's stderr: where git says what went wrong. */
export function lastLines(text: string, count = 3): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-count)
    .join('\n');
}
