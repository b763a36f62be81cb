import { describe, expect, it } from 'vitest';
import { isAdmin, maySee, repoKey } from '../../src/web/access.js';
import { ReadCache } from '../../src/web/read-cache.js';
import { Sealer } from '../../src/web/seal.js';
import { safeReturn } from '../../src/web/handler.js';
import { githubUrls } from '../../src/web/github-urls.js';

describe('the authorization rule', () => {
  const readable = new Set(['octo/hello']);

  it('lets a viewer see a run only of a repository GitHub said they can read, whatever the case', () => {
    const viewer = { login: 'alice', admin: false };
    expect(maySee(viewer, 'octo/hello', readable)).toBe(true);
    expect(maySee(viewer, 'Octo/Hello', readable)).toBe(true);
    expect(maySee(viewer, 'octo/secret', readable)).toBe(false);
    expect(maySee(viewer, 'octo/hello', new Set())).toBe(false);
  });

  it('lets an admin see every run', () => {
    expect(maySee({ login: 'root', admin: true }, 'octo/secret', new Set())).toBe(true);
  });

  it('knows admins by login without case', () => {
    expect(isAdmin('Alice', ['alice', 'bob'])).toBe(true);
    expect(isAdmin('carol', ['alice'])).toBe(false);
    expect(isAdmin('alice', [])).toBe(false);
    expect(repoKey('Octo', 'Hello')).toBe('octo/hello');
  });
});

describe('ReadCache', () => {
  it('asks GitHub once per viewer and repository within the TTL, then again', async () => {
    let t = 0;
    const cache = new ReadCache(1000, 100, () => t);
    const asked: string[] = [];
    const check = async (repo: string) => (asked.push(repo), repo === 'octo/hello');
    expect(await cache.readable('alice', ['Octo/Hello', 'octo/hello', 'octo/secret'], check)).toEqual(
      new Set(['octo/hello']),
    );
    expect(await cache.readable('alice', ['octo/hello', 'octo/secret'], check)).toEqual(new Set(['octo/hello']));
    expect(asked).toEqual(['octo/hello', 'octo/secret']);
    await cache.readable('bob', ['octo/hello'], check);
    expect(asked).toHaveLength(3); // another viewer is asked for on their own
    t = 1001;
    await cache.readable('alice', ['octo/hello'], check);
    expect(asked).toHaveLength(4);
  });
});

describe('Sealer', () => {
  it('round-trips a value that the cookie does not show, and refuses changed or foreign ones', () => {
    const sealer = new Sealer('client-secret-one');
    const sealed = sealer.seal({ login: 'alice', token: 'ghu_secret_token' });
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain('ghu_secret_token');
    expect(sealer.unseal(sealed)).toEqual({ login: 'alice', token: 'ghu_secret_token' });
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    expect(sealer.unseal(bytes.toString('base64url'))).toBeUndefined();
    expect(new Sealer('client-secret-two').unseal(sealed)).toBeUndefined();
    expect(sealer.unseal('')).toBeUndefined();
    expect(sealer.unseal('not base64 at all!')).toBeUndefined();
  });
});

describe('safeReturn', () => {
  it('keeps paths of the web view and replaces anything else with /ui/', () => {
    expect(safeReturn('/ui/runs/abc?x=1')).toBe('/ui/runs/abc?x=1');
    expect(safeReturn('/ui')).toBe('/ui');
    for (const bad of [null, '', 'https://evil.example/ui/', '//evil.example/ui/', '/uix', '/ui\\evil', '/healthz'])
      expect(safeReturn(bad)).toBe('/ui/');
  });
});

describe('githubUrls', () => {
  it('derives the OAuth and API addresses as Probot does for GitHub Enterprise Server', () => {
    expect(githubUrls({})).toEqual({ web: 'https://github.com', api: 'https://api.github.com' });
    expect(githubUrls({ gheHost: 'ghe.example.com' })).toEqual({
      web: 'https://ghe.example.com',
      api: 'https://ghe.example.com/api/v3',
    });
    expect(githubUrls({ gheHost: 'ghe.local:8080', gheProtocol: 'http' }).api).toBe('http://ghe.local:8080/api/v3');
  });
});
