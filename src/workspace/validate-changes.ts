import { isDotGitmodulesName, isDotGitName } from './git-paths.js';
import type { CollectedChange, FileChange } from './types.js';

export interface ChangePolicy {
  maxFileSizeMB: number;
  allowWorkflowChanges: boolean;
}

export type Verdict = { ok: true; changes: FileChange[] } | { ok: false; reason: string };

type Problem = 'git' | 'outside' | 'gitlink' | 'symlink' | 'gitmodules' | 'size' | 'workflow';

const MB = 1024 * 1024;

/**
 * Decides whether the collected changes may be committed. Pure. Every problem is reported at
 * once, grouped, in words a maintainer can act on; on success only committable changes remain.
 */
export function validateChanges(changes: readonly CollectedChange[], policy: ChangePolicy): Verdict {
  const found = new Map<Problem, string[]>();
  const add = (problem: Problem, item: string) => found.set(problem, [...(found.get(problem) ?? []), item]);
  const committable: FileChange[] = [];

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
      if (change.mode === '120000' && symlinkEscapes(change.path, change.content)) {
        add('symlink', `${show(change.path)} -> ${show(new TextDecoder().decode(change.content))}`);
      }
      if (change.mode === '120000' && isDotGitmodulesName(change.path.split('/').pop()!)) {
        add('gitmodules', show(change.path));
      }
      if (change.content.byteLength > policy.maxFileSizeMB * MB) {
        add('size', `${show(change.path)} (${megabytes(change.content.byteLength)})`);
      }
    }
    // Deleting a workflow needs the `workflows` permission just as writing one does.
    if (!policy.allowWorkflowChanges && change.path.toLowerCase().startsWith('.github/workflows/')) {
      add('workflow', show(change.path));
    }
    committable.push(change);
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
  }
}

/** Paths must be plain relative paths inside the repository, outside `.git` and its lookalikes. */
function pathProblem(path: string): 'git' | 'outside' | undefined {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return 'outside';
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'outside';
  if (segments.some(isDotGitName)) return 'git';
  return undefined;
}

/**
 * Resolves the target lexically from the link's directory. Links chained through other
 * links are not followed: each link is checked on its own, which catches every link that
 * leaves the repository by itself.
 */
function symlinkEscapes(path: string, target: Uint8Array): boolean {
  const text = new TextDecoder().decode(target);
  if (text.startsWith('/')) return true;
  const stack = path.split('/').slice(0, -1);
  for (const segment of text.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (stack.length === 0) return true;
      stack.pop();
    } else {
      stack.push(segment);
    }
  }
  return stack.some(isDotGitName);
}

function megabytes(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** Paths with control characters or backticks are quoted so the message stays one readable line. */
function show(path: string): string {
  return /[\u0000-\u001f\u007f`]/.test(path) ? JSON.stringify(path) : path;
}
