import type { Sandbox } from '../sandbox/types.js';

/**
 * What `.git/` held, for the parts that decide what git executes or which files it sees:
 * config, hooks, info/ (exclude, attributes, sparse-checkout), alternates, nested git dirs,
 * and `.git` itself. Path (relative to the repository root) -> type, exec bit and sha256.
 */
export type GitFingerprint = ReadonlyMap<string, string>;

export class FingerprintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FingerprintError';
  }
}

// A constant script, no untrusted input in it. Globs need only bash; hashes only coreutils.
// Git's own bookkeeping (objects, refs, logs, index, HEAD, COMMIT_EDITMSG, ORIG_HEAD, and
// info/refs, which `git gc` rewrites) is left out: commits the agent made are collected anyway.
const SCRIPT = String.raw`
shopt -s globstar dotglob nullglob
describe() {
  if [ -L "$1" ]; then printf '%s\0link:%s\0' "$1" "$(readlink -- "$1")"
  elif [ -f "$1" ]; then
    x=-; [ -x "$1" ] && x=x
    printf '%s\0file:%s:%s\0' "$1" "$x" "$(sha256sum < "$1")"
  elif [ -d "$1" ]; then printf '%s\0dir\0' "$1"
  elif [ -e "$1" ]; then printf '%s\0other\0' "$1"
  fi
}
describe .git
if [ -L .git ] || [ ! -d .git ]; then exit 0; fi
for p in .git/config .git/config.worktree .git/commondir .git/objects/info/alternates .git/objects/info/http-alternates; do
  describe "$p"
done
for root in .git/hooks .git/info .git/modules .git/worktrees; do
  describe "$root"
  # Never walk through a symlink: it could point at / and make this walk the whole disk.
  if [ -L "$root" ] || [ ! -d "$root" ]; then continue; fi
  for p in "$root"/**; do
    [ "$p" = .git/info/refs ] || describe "$p"
  done
done
`;

/** Records the fingerprint of `dir/.git`. Take it right before the agent starts (after setup). */
export async function takeGitFingerprint(sandbox: Sandbox, dir: string, signal?: AbortSignal): Promise<GitFingerprint> {
  const result = await sandbox.run(SCRIPT, { cwd: dir, signal });
  if (result.exitCode !== 0) throw new FingerprintError(`could not inspect .git/: ${result.stderr.trim()}`);
  const fields = result.stdout.split('\0');
  const entries = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    // `**` also yields "dir/" for the directory itself; one name per path.
    entries.set(fields[i]!.replace(/\/+$/, ''), fields[i + 1]!);
  }
  return entries;
}

/** Paths added, removed or changed between two fingerprints, sorted; just `.git` if it was replaced. */
export function fingerprintDiff(before: GitFingerprint, after: GitFingerprint): string[] {
  if (before.get('.git') !== after.get('.git')) return ['.git'];
  const changed = new Set<string>();
  for (const [path, value] of before) if (after.get(path) !== value) changed.add(path);
  for (const path of after.keys()) if (!before.has(path)) changed.add(path);
  return [...changed].sort();
}
