import type { Sandbox } from '../sandbox/types.js';
import { lastLines, SAFE_GIT_ENV, safeGit } from './git.js';
import type { BaseCommit } from './types.js';

export interface CloneOptions {
  /** https URL of the repository (file:// in tests). Must not carry credentials. */
  cloneUrl: string;
  branch: string;
  /** Read-only installation token; empty for a public repository. */
  token: string;
  /** Directory inside the sandbox to clone into; it must not exist yet. */
  dir: string;
  /** History depth; 0 clones everything. */
  depth?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** The clone failed; the message is git's own explanation (the caller redacts it). */
export class CloneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CloneError';
  }
}

/**
 * Clones one branch shallowly and returns the commit it got. The token reaches git only as
 * an `http.extraHeader` in the environment of the clone command itself: it is not in the
 * command line (visible to every process), the URL or `.git/config` (both end up on disk
 * where the agent reads), nor in any later command's environment.
 */
export async function cloneRepository(sandbox: Sandbox, options: CloneOptions): Promise<BaseCommit> {
  const { cloneUrl, branch, token, dir, depth = 1, signal, timeoutMs } = options;
  const url = parseCloneUrl(cloneUrl);
  if (!Number.isInteger(depth) || depth < 0) throw new CloneError(`invalid clone depth: ${depth}`);

  const args = ['clone', '--quiet', '--single-branch', '--no-tags', '--branch', branch];
  if (depth > 0) args.push('--depth', String(depth));
  args.push('--', cloneUrl, dir);
  // The same config-free git as at collection: a filter from the sandbox's global config
  // (git-lfs, say) active here but not there would show every filtered file as changed.
  const env: Record<string, string> = { ...SAFE_GIT_ENV };
  if (token) {
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = `${headerScope(url)}.extraHeader`;
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
  }
  const cloned = await sandbox.run(safeGit(...args), { env, signal, timeoutMs });
  if (cloned.exitCode !== 0) {
    throw new CloneError(
      `git clone of ${branch} failed: ${lastLines(cloned.stderr) || `exit code ${cloned.exitCode}`}`,
    );
  }

  const parsed = await sandbox.run(safeGit('rev-parse', 'HEAD', 'HEAD^{tree}'), {
    cwd: dir,
    env: { ...SAFE_GIT_ENV },
    signal,
  });
  const [sha, treeSha] = parsed.stdout.trim().split('\n');
  if (parsed.exitCode !== 0 || !isObjectId(sha) || !isObjectId(treeSha)) {
    throw new CloneError(`the cloned repository has no readable HEAD: ${lastLines(parsed.stderr)}`);
  }
  return { sha, treeSha };
}

function parseCloneUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CloneError('the clone URL is not a valid URL');
  }
  if (!['https:', 'http:', 'file:'].includes(url.protocol))
    throw new CloneError(`unsupported clone URL scheme ${url.protocol}`);
  // Credentials in the URL would be written to .git/config as the remote's URL.
  if (url.username || url.password) throw new CloneError('the clone URL must not contain credentials');
  return url;
}

/** The header goes to the clone's host only (`http.<url>.*`), not to any host a redirect names. */
function headerScope(url: URL): string {
  return url.protocol === 'file:' ? 'http' : `http.${url.protocol}//${url.host}/`;
}

function isObjectId(value: string | undefined): value is string {
  return value !== undefined && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(value);
}
