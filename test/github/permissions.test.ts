import { Octokit } from '@octokit/rest';
import nock from 'nock';
import type { ProbotOctokit } from 'probot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  getRole,
  meetsPermission,
  permissionCache,
  type CollaboratorPermissionClient,
  type RequiredPermission,
} from '../../src/github/permissions.js';

describe('meetsPermission', () => {
  it.each<[string, RequiredPermission, boolean]>([
    ['admin', 'write', true],
    ['admin', 'maintain', true],
    ['admin', 'admin', true],
    ['maintain', 'write', true],
    ['maintain', 'maintain', true],
    ['maintain', 'admin', false],
    ['write', 'write', true],
    ['write', 'maintain', false],
    ['write', 'admin', false],
    ['triage', 'write', false],
    ['read', 'write', false],
    ['none', 'write', false],
    ['', 'write', false],
    ['Admin', 'write', false],
    ['security-manager', 'write', false],
  ])('%j reaches %j: %s', (role, required, expected) => {
    expect(meetsPermission(role, required)).toBe(expected);
  });
});

describe('getRole', () => {
  const octokit = new Octokit({ baseUrl: 'https://api.github.com', request: { retries: 0 } });
  const path = '/repos/acme/widgets/collaborators/octo-cat/permission';
  const reply = (role_name: string, permission: string) => ({ permission, role_name, user: { login: 'octo-cat' } });

  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
  afterAll(() => nock.enableNetConnect());

  it.each([
    ['maintain, which the legacy field calls write', reply('maintain', 'write'), 'maintain'],
    ['triage, which the legacy field calls read', reply('triage', 'read'), 'triage'],
    ['admin', reply('admin', 'admin'), 'admin'],
    ['no access', reply('none', 'none'), 'none'],
    ['a custom role: its base permission', reply('security-manager', 'write'), 'write'],
  ])('returns %s', async (_name, body, expected) => {
    nock('https://api.github.com').get(path).reply(200, body);
    await expect(getRole(octokit, { owner: 'acme', repo: 'widgets', username: 'octo-cat' })).resolves.toBe(expected);
  });

  it('gives none for a user GitHub does not know', async () => {
    nock('https://api.github.com').get(path).reply(404, { message: 'Not Found' });
    await expect(getRole(octokit, { owner: 'acme', repo: 'widgets', username: 'octo-cat' })).resolves.toBe('none');
  });

  it('passes other errors on', async () => {
    nock('https://api.github.com').get(path).reply(500, { message: 'boom' });
    await expect(getRole(octokit, { owner: 'acme', repo: 'widgets', username: 'octo-cat' })).rejects.toMatchObject({
      status: 500,
    });
  });

  it("accepts Probot's client", () => {
    // Compile-time check: the app passes context.octokit.
    const accepts = (client: InstanceType<typeof ProbotOctokit>): CollaboratorPermissionClient => client;
    expect(accepts).toBeTypeOf('function');
  });
});

describe('permissionCache', () => {
  /** A client answering from `roles` (404 for anyone else), counting calls per user. */
  function client(roles: Record<string, string>) {
    const calls: string[] = [];
    const octokit: CollaboratorPermissionClient = {
      rest: {
        repos: {
          getCollaboratorPermissionLevel: ({ username }) => {
            calls.push(username);
            const role = roles[username];
            if (role === 'boom') return Promise.reject(Object.assign(new Error('server error'), { status: 500 }));
            if (role === undefined) return Promise.reject(Object.assign(new Error('Not Found'), { status: 404 }));
            return Promise.resolve({ data: { role_name: role, permission: role } });
          },
        },
      },
    };
    return { octokit, calls };
  }

  it('asks once per user, never for the trusted one, and answers by the required permission', async () => {
    const { octokit, calls } = client({ writer: 'write', Reader: 'read', admin: 'admin' });
    const may = permissionCache(octokit, { owner: 'o', repo: 'r', required: 'write', trusted: ['Trigger'] });
    const answers = await Promise.all(
      ['writer', 'Reader', 'writer', 'trigger', 'reader', 'stranger', 'admin', 'WRITER'].map((u) => may(u)),
    );
    expect(answers).toEqual([true, false, true, true, false, false, true, true]);
    expect(calls).toEqual(['writer', 'Reader', 'stranger', 'admin']);
  });

  it('a role it cannot read is not allowed', async () => {
    const { octokit } = client({ flaky: 'boom' });
    await expect(permissionCache(octokit, { owner: 'o', repo: 'r', required: 'write' })('flaky')).resolves.toBe(false);
  });

  it('follows the required permission', async () => {
    const { octokit } = client({ writer: 'write', maintainer: 'maintain' });
    const may = permissionCache(octokit, { owner: 'o', repo: 'r', required: 'maintain' });
    expect([await may('writer'), await may('maintainer')]).toEqual([false, true]);
  });
});
