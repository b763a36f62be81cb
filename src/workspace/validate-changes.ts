import { isDotGitmodulesName, isDotGitName } from './git-paths.js';
import { globMatcher } from './path-glob.js';
import type { CollectedChange, FileChange } from './types.js';

export interface ChangePolicy {
  maxFileSizeMB: number;
  /** Lifts the protection of `.github/workflows/`, whatever `protectedPaths` says. */
  allowWorkflowChanges: boolean;
  /** Globs (see `globToRegExp`) the agent may not change. Absent (a job recorded before the setting existed): the default. */
  protectedPaths?: readonly string[];
}

/** What the agent may not change unless the repository says otherwise: CI definitions. */
export const DEFAULT_PROTECTED_PATHS: readonly string[] = ['.github/workflows/**', '.github/actions/**'];

/** The symlinks of a tree: path -> target. */
export type TreeLinks = ReadonlyMap<string, string>;

export type Verdict = { ok: true; changes: FileChange[] } | { ok: false; reason: string };

type Problem = 'git' | 'outside' | 'gitlink' | 'symlink' | 'gitmodules' | 'size' | 'workflow' | 'protected';

const MB = 1024 * 1024;

/**
 * Decides whether the collected changes may be committed. Pure. Every problem is reported at
 * once, grouped, in words a maintainer can act on; on success only committable changes remain.
 * `baseLinks` are the symlinks of the base commit: a link is resolved through every link of
 * the tree being committed (the base's, as the changes leave them, and the new ones).
 */
export function validateChanges(
  changes: readonly CollectedChange[],
  policy: ChangePolicy,
  baseLinks: TreeLinks = new Map(),
): Verdict {
  const found = new Map<Problem, string[]>();
  const add = (problem: Problem, item: string) => found.set(problem, [...(found.get(problem) ?? []), item]);
  const committable: FileChange[] = [];
  const links = committedLinks(baseLinks, changes);
  const inside = linkChecker(links);
  const protectedBy = globMatcher(policy.protectedPaths ?? DEFAULT_PROTECTED_PATHS);

  for (const change of changes) {
    const where = pathProblem(change.path);
    if (where) {
      add(where, show(change.path));
      continue;
    }
    if (change.kind === 'omitted') {
      if (change.reason === 'git-internal') add('git', show(change.path));
      else if (change.reason === 'gitlink') add('gitlink', show(change.path));
      else add('size', `${show(change.path)} (${megabytes(change.size ?? 0)})`);
      continue;
    }
    if (change.kind === 'write') {
      if (change.mode === '120000' && !inside(change.path)) {
        add('symlink', `${show(change.path)} -> ${show(links.get(change.path)!)}`);
      }
      if (change.mode === '120000' && isDotGitmodulesName(change.path.split('/').pop()!)) {
        add('gitmodules', show(change.path));
      }
      if (change.content.byteLength > policy.maxFileSizeMB * MB) {
        add('size', `${show(change.path)} (${megabytes(change.content.byteLength)})`);
      }
    }
    // Deleting a workflow needs the `workflows` permission just as writing one does.
    const workflow = isWorkflowPath(change.path);
    if (workflow && !policy.allowWorkflowChanges) {
      add('workflow', show(change.path));
    } else if (!workflow) {
      const pattern = protectedBy(change.path);
      if (pattern !== undefined) add('protected', `${show(change.path)} (${show(pattern)})`);
    }
    committable.push(change);
  }
  // An unchanged link can be sent out of the repository by the links the agent changed.
  if (!sameLinks(links, baseLinks)) {
    const changed = new Set(changes.map((c) => c.path));
    const insideBefore = linkChecker(baseLinks);
    for (const [path, target] of links) {
      if (changed.has(path) || inside(path) || !insideBefore(path)) continue;
      add('symlink', `${show(path)} -> ${show(target)} (unchanged, led out by the changed links)`);
    }
  }

  if (found.size === 0) return { ok: true, changes: committable };
  return { ok: false, reason: [...found].map(([problem, items]) => explain(problem, items, policy)).join('\n') };
}

function explain(problem: Problem, items: string[], policy: ChangePolicy): string {
  const list = items.length > 10 ? `${items.slice(0, 10).join(', ')} and ${items.length - 10} more` : items.join(', ');
  switch (problem) {
    case 'git':
      return `the agent wrote inside .git/: ${list}`;
    case 'outside':
      return `path outside the repository: ${list}`;
    case 'gitlink':
      return `the agent created a nested git repository (committed as a submodule entry), which the app does not commit: ${list}`;
    case 'symlink':
      return `symlink pointing outside the repository or into .git/: ${list}`;
    case 'gitmodules':
      return `symlink named .gitmodules (or a name some file system reads as .gitmodules), which git refuses to check out: ${list}`;
    case 'size':
      return `file over the ${policy.maxFileSizeMB} MB limit (maxFileSizeMB in .github/issue-agent.yml): ${list}`;
    case 'workflow':
      return (
        `the agent changed workflow files, which are not allowed: ${list}. To allow them, set ` +
        '`allowWorkflowChanges: true` in .github/issue-agent.yml and grant the app the `workflows` permission.'
      );
    case 'protected':
      return (
        `the agent changed protected paths: ${list}. They match \`protectedPaths\` in .github/issue-agent.yml; ` +
        'remove the pattern there to let the agent change them.'
      );
  }
}

/** `.github/workflows` itself or anything below it, in any case. */
function isWorkflowPath(path: string): boolean {
  const lower = path.toLowerCase();
  return lower === '.github/workflows' || lower.startsWith('.github/workflows/');
}

/** Paths must be plain relative paths inside the repository, outside `.git` and its lookalikes. */
function pathProblem(path: string): 'git' | 'outside' | undefined {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return 'outside';
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'outside';
  if (segments.some(isDotGitName)) return 'git';
  return undefined;
}

/** The symlinks of the tree being committed: the base's, with the changes applied. */
function committedLinks(base: TreeLinks, changes: readonly CollectedChange[]): Map<string, string> {
  const links = new Map(base);
  for (const change of changes) {
    links.delete(change.path);
    if (change.kind !== 'write') continue;
    // A file written below a path makes it a directory, not a link.
    const parts = change.path.split('/');
    for (let i = 1; i < parts.length; i++) links.delete(parts.slice(0, i).join('/'));
    if (change.mode === '120000') links.set(change.path, new TextDecoder().decode(change.content));
  }
  return links;
}

/** Linux gives up after 40 links in one lookup (MAXSYMLINKS); a longer chain is not followed either. */
const MAX_HOPS = 40;

function sameLinks(a: TreeLinks, b: TreeLinks): boolean {
  return a.size === b.size && [...a].every(([path, target]) => b.get(path) === target);
}

/**
 * For a tree's links: whether the link at a path leads to a place inside the repository and
 * outside `.git`, as a file system resolves it: component by component, replacing each
 * component that is a link of the tree with its target (so `a -> .` makes `a/a/../..` the
 * repository's parent). Components that are no link of the tree are taken lexically. Absolute
 * targets, loops and chains longer than `MAX_HOPS` do not stay inside.
 */
function linkChecker(links: TreeLinks): (path: string) => boolean {
  const folded = new Map<string, string>();
  // Case-insensitive file systems (macOS, Windows) find `A` for a link named `a`.
  for (const [p, t] of links) if (!folded.has(p.toLowerCase())) folded.set(p.toLowerCase(), t);
  const lookup = (p: string) => links.get(p) ?? folded.get(p.toLowerCase());
  return (path) => staysInside(path, links.get(path) ?? '', lookup);
}

function staysInside(path: string, target: string, lookup: (path: string) => string | undefined): boolean {
  const resolved = path.split('/').slice(0, -1);
  // Components still to walk, last one first.
  const pending = [...linkComponents(target)];
  let hops = 0;
  while (pending.length > 0) {
    const segment = pending.pop()!;
    if (segment === null) return false;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (resolved.length === 0) return false;
      resolved.pop();
      continue;
    }
    resolved.push(segment);
    const target = lookup(resolved.join('/'));
    if (target === undefined) continue;
    if (++hops > MAX_HOPS) return false;
    resolved.pop();
    pending.push(...linkComponents(target));
  }
  return !resolved.some(isDotGitName);
}

/** A target's components in reverse (for popping), with `null` standing for "from the root". */
function linkComponents(target: string): (string | null)[] {
  return target.startsWith('/') ? [null] : target.split('/').reverse();
}

function megabytes(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** Paths with control characters or backticks are quoted so the message stays one readable line. */
function show(path: string): string {
  return /[\u0000-\u001f\u007f`]/.test(path) ? JSON.stringify(path) : path;
}
