import { quote } from '../sandbox/shell.js';
import type { Sandbox } from '../sandbox/types.js';
import { fingerprintDiff, takeGitFingerprint, type GitFingerprint } from './git-fingerprint.js';
import { parseBatchCheck, parseCatFileBatch, parseRawDiff, type RawDiffEntry } from './git-output.js';
import { runChecked, safeGit, withSandboxTempDir } from './git.js';
import type { BaseCommit, CollectedChange, FileMode } from './types.js';

export interface CollectOptions {
  /** The repository inside the sandbox. */
  dir: string;
  /** The commit it was cloned at: every change is taken against it, commits the agent made included. */
  base: BaseCommit;
  /** Taken right before the agent started. */
  fingerprint: GitFingerprint;
  /** Files over this are reported (`omitted`, too-large) but their content stays in the sandbox. */
  maxFileSizeMB: number;
  /** The files to read may total at most this; more is a `ChangeLimitError`, and nothing is read. */
  maxChangeMB: number;
  /** At most this many changed paths; more is a `ChangeLimitError`. */
  maxFiles: number;
  signal?: AbortSignal;
}

/** The change is larger than the repository allows (`maxFiles`, `maxChangeMB`); the message says which. */
export class ChangeLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChangeLimitError';
  }
}

/** Git or the sandbox failed while collecting; not a verdict on the changes. */
export class CollectError extends Error {
  constructor(message: string) {
    super(`could not collect the agent's changes: ${message}`);
    this.name = 'CollectError';
  }
}

const MB = 1024 * 1024;
const FILE_MODES: ReadonlySet<string> = new Set<FileMode>(['100644', '100755', '120000']);

/**
 * Everything that differs between the cloned commit and the working tree, as git would commit
 * it (`.gitignore` respected), whatever the agent committed or staged. The result must go
 * through `validateChanges` before publishing.
 */
export async function collectChanges(sandbox: Sandbox, options: CollectOptions): Promise<CollectedChange[]> {
  const { dir, base, signal } = options;
  const touched = fingerprintDiff(options.fingerprint, await takeGitFingerprint(sandbox, dir, signal));
  // With its config or hooks changed, the repository is not run through git at all.
  if (touched.length > 0) return touched.map((path) => ({ kind: 'omitted', path, reason: 'git-internal' }));

  const fail = (message: string) => new CollectError(message);
  return withSandboxTempDir(sandbox, 'issue-agent-collect', dir, fail, signal, async (tmp) => {
    try {
      // A fresh index of the base commit plus the working tree: the agent's own index (staged
      // content, skip-worktree and assume-unchanged entries) decides nothing and is left alone.
      await runChecked(
        sandbox,
        `export GIT_INDEX_FILE=${quote(`${tmp}/index`)} && ${safeGit('read-tree', base.sha)} && ${safeGit('add', '-A')} && ${safeGit('diff-index', '--cached', '--raw', '-z', '--no-renames', base.sha, '--')} > ${quote(`${tmp}/diff`)}`,
        dir,
        fail,
        signal,
      );
      const entries = parseRawDiff(await sandbox.readFile(`${tmp}/diff`));
      if (entries.length > options.maxFiles) {
        throw new ChangeLimitError(
          `the agent changed ${entries.length} files, more than the ${options.maxFiles} allowed (maxFiles in .github/issue-agent.yml)`,
        );
      }
      return await toChanges(sandbox, dir, tmp, entries, options, signal);
    } catch (err) {
      if (err instanceof CollectError || err instanceof ChangeLimitError) throw err;
      throw new CollectError((err as Error).message);
    }
  });
}

async function toChanges(
  sandbox: Sandbox,
  dir: string,
  tmp: string,
  entries: RawDiffEntry[],
  limits: Pick<CollectOptions, 'maxFileSizeMB' | 'maxChangeMB'>,
  signal: AbortSignal | undefined,
): Promise<CollectedChange[]> {
  const written = entries.filter((e) => e.status !== 'D' && e.newMode !== '160000');
  const sizes = await blobSizes(
    sandbox,
    dir,
    tmp,
    written.map((e) => e.newSha),
    signal,
  );
  const maxBytes = limits.maxFileSizeMB * MB;
  // Sizes first, so a change over the total is refused before any of it is read into memory.
  const total = written.reduce((sum, e) => {
    const size = sizes.get(e.newSha) ?? 0;
    return size <= maxBytes ? sum + size : sum;
  }, 0);
  if (total > limits.maxChangeMB * MB) {
    throw new ChangeLimitError(
      `the agent's changed files total ${(total / MB).toFixed(1)} MB, more than the ${limits.maxChangeMB} MB allowed (maxChangeMB in .github/issue-agent.yml)`,
    );
  }
  const wanted = [...sizes].filter(([, size]) => size <= maxBytes).map(([sha]) => sha);
  const contents = await readBlobs(sandbox, dir, tmp, wanted, signal);

  return entries.map((e): CollectedChange => {
    if (e.status === 'D') return { kind: 'delete', path: e.path };
    if (e.newMode === '160000') return { kind: 'omitted', path: e.path, reason: 'gitlink' };
    if (!FILE_MODES.has(e.newMode)) throw new CollectError(`unexpected mode ${e.newMode} for ${e.path}`);
    const content = contents.get(e.newSha);
    if (content) return { kind: 'write', path: e.path, mode: e.newMode as FileMode, content };
    return { kind: 'omitted', path: e.path, reason: 'too-large', size: sizes.get(e.newSha) ?? 0 };
  });
}

async function blobSizes(
  sandbox: Sandbox,
  dir: string,
  tmp: string,
  shas: string[],
  signal?: AbortSignal,
): Promise<Map<string, number>> {
  if (shas.length === 0) return new Map();
  await sandbox.writeFile(`${tmp}/all`, [...new Set(shas)].join('\n') + '\n');
  const fail = (message: string) => new CollectError(message);
  const checked = await runChecked(
    sandbox,
    `${safeGit('cat-file', '--batch-check')} < ${quote(`${tmp}/all`)}`,
    dir,
    fail,
    signal,
  );
  return parseBatchCheck(checked.stdout);
}

/** Every blob in one git command, into a file read once: binary content never passes through a string. */
async function readBlobs(
  sandbox: Sandbox,
  dir: string,
  tmp: string,
  shas: string[],
  signal?: AbortSignal,
): Promise<Map<string, Uint8Array>> {
  if (shas.length === 0) return new Map();
  await sandbox.writeFile(`${tmp}/wanted`, shas.join('\n') + '\n');
  const fail = (message: string) => new CollectError(message);
  await runChecked(
    sandbox,
    `${safeGit('cat-file', '--batch')} < ${quote(`${tmp}/wanted`)} > ${quote(`${tmp}/blobs`)}`,
    dir,
    fail,
    signal,
  );
  return parseCatFileBatch(await sandbox.readFile(`${tmp}/blobs`));
}
