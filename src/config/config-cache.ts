import { REPO_CONFIG_PATH, type ParseResult } from './repo-config.js';

/** How long a repository's config is served from memory before it is read again. */
export const CONFIG_CACHE_TTL_MS = 5 * 60_000;

/** GitHub lists at most this many commits in a push webhook; a push with more may hide a change. */
const PUSH_COMMITS_LISTED = 2048;

export interface RepoRef {
  owner: string;
  name: string;
}

/** The fields of a `push` webhook the cache reads. */
export interface PushEvent {
  ref: string;
  forced?: boolean;
  deleted?: boolean;
  commits?: readonly { added?: readonly string[]; modified?: readonly string[]; removed?: readonly string[] }[];
  repository: { name: string; default_branch?: string; owner: { login?: string; name?: string | null } | null };
}

/**
 * Whether a push may have changed `.github/issue-agent.yml` as the app reads it: on the default
 * branch, with a commit that adds, changes or removes the file. A forced push, or one whose
 * commits are not all listed, counts as a change (its commits do not say what the branch lost).
 */
export function pushTouchesConfig(push: PushEvent): boolean {
  const branch = push.repository.default_branch;
  if (branch === undefined || push.ref !== `refs/heads/${branch}` || push.deleted) return false;
  const commits = push.commits ?? [];
  if (push.forced || commits.length === 0 || commits.length >= PUSH_COMMITS_LISTED) return true;
  return commits.some((c) =>
    [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].includes(REPO_CONFIG_PATH),
  );
}

interface Entry {
  result: ParseResult;
  readAt: number;
}

/**
 * Each repository's `.github/issue-agent.yml` (as parsed, errors included), read once and then
 * served from memory: a `push` that changes the file drops the repository's entry, a change in
 * the owner's `.github` repository (Probot's org-wide defaults and `_extends`) drops every entry
 * of that owner, and an entry older than the TTL is read again (a missed webhook, an `_extends`
 * to another repository, or a push delivered to another replica). Each replica has its own.
 * Concurrent reads of one repository share one request.
 */
export class RepoConfigCache {
  private readonly entries = new Map<string, Entry>();
  private readonly reading = new Map<string, Promise<ParseResult>>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {
    this.ttlMs = options.ttlMs ?? CONFIG_CACHE_TTL_MS;
    this.max = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The cached config when it is fresh, without reading anything. */
  get(repo: RepoRef): ParseResult | undefined {
    const key = keyOf(repo);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.readAt >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return structuredClone(entry.result); // callers may keep (and change) what they get
  }

  /** The cached config, or `read()`'s result, kept when nothing invalidated it meanwhile. */
  async load(repo: RepoRef, read: () => Promise<ParseResult>): Promise<ParseResult> {
    const cached = this.get(repo);
    if (cached) return cached;
    const key = keyOf(repo);
    let pending = this.reading.get(key);
    if (!pending) {
      const readAt = this.now();
      const started = read();
      pending = started;
      this.reading.set(key, started);
      try {
        const result = await started;
        // A push that arrived while the file was being read drops this read (it may predate the push).
        if (this.reading.get(key) === started) this.set(key, { result, readAt });
      } finally {
        if (this.reading.get(key) === started) this.reading.delete(key);
      }
    }
    return structuredClone(await pending);
  }

  /** Drops what a push may have made stale; returns the repositories dropped ("owner/name"). */
  onPush(push: PushEvent): string[] {
    if (!pushTouchesConfig(push)) return [];
    const owner = push.repository.owner?.login ?? push.repository.owner?.name;
    if (!owner) return [];
    if (push.repository.name.toLowerCase() === '.github')
      return this.drop((key) => key.startsWith(`${owner.toLowerCase()}/`));
    const key = keyOf({ owner, name: push.repository.name });
    return this.drop((k) => k === key);
  }

  get size(): number {
    return this.entries.size;
  }

  private set(key: string, entry: Entry): void {
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
  }

  private drop(match: (key: string) => boolean): string[] {
    const dropped = new Set<string>();
    for (const key of [...this.entries.keys(), ...this.reading.keys()]) {
      if (!match(key)) continue;
      this.entries.delete(key);
      this.reading.delete(key);
      dropped.add(key);
    }
    return [...dropped];
  }
}

function keyOf(repo: RepoRef): string {
  return `${repo.owner}/${repo.name}`.toLowerCase();
}
