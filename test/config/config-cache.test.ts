import { describe, expect, it } from 'vitest';
import { pushTouchesConfig, RepoConfigCache, type PushEvent } from '../../src/config/config-cache.js';
import { parseRepoConfig, type ParseResult } from '../../src/config/repo-config.js';

const repo = { owner: 'Octo-Org', name: 'App' };
const config = (label: string): ParseResult => parseRepoConfig({ label });

/** A push to `owner/name` on `main` (its default branch) whose one commit touches `files`. */
function push(
  name: string,
  files: { added?: string[]; modified?: string[]; removed?: string[] },
  more: Partial<PushEvent> = {},
): PushEvent {
  return {
    ref: 'refs/heads/main',
    forced: false,
    deleted: false,
    commits: [{ added: [], modified: [], removed: [], ...files }],
    repository: { name, default_branch: 'main', owner: { login: 'octo-org', name: 'octo-org' } },
    ...more,
  };
}

/** A cache with a hand-driven clock, and a reader that counts its reads. */
function setup(ttlMs = 1000) {
  let now = 0;
  const cache = new RepoConfigCache({ ttlMs, now: () => now });
  let reads = 0;
  let label = 'agent';
  const read = () => {
    reads++;
    return Promise.resolve(config(label));
  };
  return {
    cache,
    load: (r = repo) => cache.load(r, read),
    reads: () => reads,
    setLabel: (l: string) => (label = l),
    advance: (ms: number) => (now += ms),
  };
}

const labelOf = (r: ParseResult) => (r.ok ? r.config.label : r.errors);

describe('RepoConfigCache', () => {
  it('reads a repository once, then serves it from memory (names compared case-insensitively)', async () => {
    const s = setup();
    expect(s.cache.get(repo)).toBeUndefined();
    await s.load();
    await s.load({ owner: 'octo-org', name: 'APP' });
    expect(s.reads()).toBe(1);
    expect(labelOf(s.cache.get(repo)!)).toBe('agent');
  });

  it('reads again once the TTL has passed', async () => {
    const s = setup(1000);
    await s.load();
    s.advance(999);
    await s.load();
    expect(s.reads()).toBe(1);
    s.setLabel('bot');
    s.advance(1);
    expect(s.cache.get(repo)).toBeUndefined();
    expect(labelOf(await s.load())).toBe('bot');
    expect(s.reads()).toBe(2);
  });

  it('a push to the default branch that changes the file drops the repository; the next load reads it', async () => {
    const s = setup();
    await s.load();
    await s.load({ owner: 'octo-org', name: 'other' });
    s.setLabel('bot');
    expect(s.cache.onPush(push('App', { modified: ['.github/issue-agent.yml'] }))).toEqual(['octo-org/app']);
    expect(labelOf(await s.load())).toBe('bot');
    expect(s.reads()).toBe(3);
    // The other repository of the owner is still cached.
    await s.load({ owner: 'octo-org', name: 'other' });
    expect(s.reads()).toBe(3);
  });

  it('adding or removing the file counts as a change', async () => {
    const s = setup();
    for (const files of [{ added: ['.github/issue-agent.yml'] }, { removed: ['.github/issue-agent.yml'] }]) {
      await s.load();
      expect(s.cache.onPush(push('App', files))).toEqual(['octo-org/app']);
    }
  });

  it('a push that does not touch the file, or not to the default branch, keeps the entry', async () => {
    const s = setup();
    await s.load();
    expect(s.cache.onPush(push('App', { modified: ['README.md', '.github/other.yml', 'issue-agent.yml'] }))).toEqual(
      [],
    );
    expect(
      s.cache.onPush(push('App', { modified: ['.github/issue-agent.yml'] }, { ref: 'refs/heads/feature' })),
    ).toEqual([]);
    expect(s.cache.onPush(push('App', { modified: ['.github/issue-agent.yml'] }, { ref: 'refs/tags/main' }))).toEqual(
      [],
    );
    await s.load();
    expect(s.reads()).toBe(1);
  });

  it("a change in the owner's `.github` repository drops every repository of that owner, and only those", async () => {
    const s = setup();
    await s.load();
    await s.load({ owner: 'octo-org', name: 'other' });
    await s.load({ owner: 'someone-else', name: 'App' });
    const dropped = s.cache.onPush(push('.github', { modified: ['.github/issue-agent.yml'] }));
    expect(dropped.sort()).toEqual(['octo-org/app', 'octo-org/other']);
    expect(s.cache.get({ owner: 'someone-else', name: 'App' })).toBeDefined();
    expect(s.cache.get(repo)).toBeUndefined();
  });

  it('a forced push, or one whose commits are not listed, counts as a change', () => {
    const touched = (more: Partial<PushEvent>) => pushTouchesConfig(push('App', { modified: ['a.txt'] }, more));
    expect(touched({})).toBe(false);
    expect(touched({ forced: true })).toBe(true);
    expect(touched({ commits: [] })).toBe(true);
    expect(touched({ commits: Array.from({ length: 2048 }, () => ({ modified: ['a.txt'] })) })).toBe(true);
    expect(touched({ deleted: true, forced: true })).toBe(false); // the branch is gone: nothing to read
  });

  it('concurrent loads of one repository share one read', async () => {
    const s = setup();
    await Promise.all([s.load(), s.load(), s.load()]);
    expect(s.reads()).toBe(1);
  });

  it('a read under way when a push drops the repository is not kept', async () => {
    const cache = new RepoConfigCache();
    let release!: (r: ParseResult) => void;
    const first = cache.load(repo, () => new Promise<ParseResult>((r) => (release = r)));
    cache.onPush(push('App', { modified: ['.github/issue-agent.yml'] }));
    release(config('old'));
    expect(labelOf(await first)).toBe('old'); // the event that asked gets what was read ...
    expect(cache.get(repo)).toBeUndefined(); // ... but the cache does not keep it
    expect(labelOf(await cache.load(repo, () => Promise.resolve(config('new'))))).toBe('new');
  });

  it('a failed read is not cached', async () => {
    const cache = new RepoConfigCache();
    await expect(cache.load(repo, () => Promise.reject(new Error('HTTP 502')))).rejects.toThrow('HTTP 502');
    expect(labelOf(await cache.load(repo, () => Promise.resolve(config('agent'))))).toBe('agent');
  });

  it('a config with errors is cached too (a push that fixes it drops it)', async () => {
    const cache = new RepoConfigCache();
    let reads = 0;
    const bad = () => {
      reads++;
      return Promise.resolve(parseRepoConfig({ lable: 'x' }));
    };
    expect((await cache.load(repo, bad)).ok).toBe(false);
    expect((await cache.load(repo, bad)).ok).toBe(false);
    expect(reads).toBe(1);
  });

  it('what it hands out is a copy: changing it does not change the cache', async () => {
    const s = setup();
    const got = await s.load();
    if (!got.ok) throw new Error('valid config expected');
    got.config.label = 'changed';
    expect(labelOf(s.cache.get(repo)!)).toBe('agent');
  });

  it('keeps at most `maxEntries` repositories, dropping the oldest', async () => {
    const cache = new RepoConfigCache({ maxEntries: 2 });
    const read = () => Promise.resolve(config('agent'));
    for (const name of ['a', 'b', 'c']) await cache.load({ owner: 'o', name }, read);
    expect(cache.size).toBe(2);
    expect(cache.get({ owner: 'o', name: 'a' })).toBeUndefined();
    expect(cache.get({ owner: 'o', name: 'c' })).toBeDefined();
  });
});
