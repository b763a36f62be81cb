import nock from 'nock';
import { Octokit as RestOctokit } from '@octokit/rest';
import { Probot, ProbotOctokit } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import { countRequests, guardRequests } from '../../src/github/octokit-plugins.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import type { JobStore } from '../../src/jobs/store/types.js';
import { Redactor } from '../../src/security/redactor.js';
import { privateKey } from '../helpers/probot.js';

describe('countRequests', () => {
  afterEach(() => nock.cleanAll());

  it('counts every GitHub response by status and keeps the rate limit left', async () => {
    const store = { stats: async () => ({ byAgent: [], queueDepth: 0 }) } as unknown as JobStore;
    const metrics = new Metrics(store);
    const Octokit = ProbotOctokit.plugin(countRequests(metrics)).defaults(
      (o: Record<string, unknown> & { throttle?: object }) => ({
        ...o,
        retry: { enabled: false },
        throttle: { ...o.throttle, enabled: false },
      }),
    );
    const gh = new Octokit({ auth: { token: 'x' } });
    nock('https://api.github.com')
      .get('/repos/o/r')
      .reply(200, {}, { 'x-ratelimit-remaining': '4321' })
      .get('/repos/o/missing')
      .reply(404, { message: 'Not Found' }, { 'x-ratelimit-remaining': '4320' });

    await gh.rest.repos.get({ owner: 'o', repo: 'r' });
    await expect(gh.rest.repos.get({ owner: 'o', repo: 'missing' })).rejects.toMatchObject({ status: 404 });

    const text = await metrics.registry.metrics();
    expect(text).toContain('issue_agent_github_api_calls_total{status="200"} 1');
    expect(text).toContain('issue_agent_github_api_calls_total{status="404"} 1');
    expect(text).toContain('issue_agent_github_rate_limit_remaining 4320');
  });
});

describe('guardRequests', () => {
  afterEach(() => nock.cleanAll());
  const Octokit = ProbotOctokit.defaults((o: Record<string, unknown> & { throttle?: object }) => ({
    ...o,
    retry: { enabled: false },
    throttle: { ...o.throttle, enabled: false },
  }));

  it('learns the installation token Probot mints inside its auth strategy, and the ones the app asks for', async () => {
    const redactor = new Redactor();
    const guard = guardRequests(redactor);
    const probot = new Probot({ appId: 1, privateKey, Octokit });
    guard(await probot.auth()); // as app.ts does: installation tokens are minted through the app's client
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const scope = nock('https://api.github.com')
      .post('/app/installations/7/access_tokens')
      .reply(201, { token: 'ghs_minted_by_probot_auth', expires_at: expiresAt })
      .get('/repos/o/r')
      .reply(200, {})
      .post('/app/installations/7/access_tokens', { repositories: ['r'], permissions: { contents: 'read' } })
      .reply(201, { token: 'ghs_read_only_for_a_clone', expires_at: expiresAt });

    const installation = guard(await probot.auth(7));
    await installation.rest.repos.get({ owner: 'o', repo: 'r' });
    const app = guard(await probot.auth());
    await app.rest.apps.createInstallationAccessToken({
      installation_id: 7,
      repositories: ['r'],
      permissions: { contents: 'read' },
    });

    scope.done();
    expect(redactor.redact('ghs_minted_by_probot_auth ghs_read_only_for_a_clone ghs_not_minted_here')).toBe(
      '*** *** ghs_not_minted_here',
    );
  });

  it('masks every parameter the app sends, nested ones too, and leaves where the request goes alone', async () => {
    const redactor = new Redactor();
    redactor.add('sk-ant-secret-in-a-body-0000');
    const gh = guardRequests(redactor)(new RestOctokit({ auth: 'ghs_the_clients_own_token_0000' }));
    redactor.add('ghs_the_clients_own_token_0000'); // known, yet it must still authenticate the request
    let seen: { body: unknown; auth: string | undefined } | undefined;
    nock('https://api.github.com')
      .patch('/repos/o/r/check-runs/5')
      .reply(function (_uri, body) {
        seen = { body, auth: this.req.headers.authorization };
        return [200, {}];
      });

    await gh.rest.checks.update({
      owner: 'o',
      repo: 'r',
      check_run_id: 5,
      output: {
        title: 'sk-ant-secret-in-a-body-0000',
        summary: 'key sk-ant-secret-in-a-body-0000 seen',
        text: 'cut sk-ant-secret-in-a…',
      },
    });

    expect(seen).toEqual({
      body: { output: { title: '***', summary: 'key *** seen', text: 'cut ***…' } },
      auth: 'token ghs_the_clients_own_token_0000',
    });
  });

  it('masks credential shapes in what the app says, but not in the files it commits (known secrets in both)', async () => {
    const redactor = new Redactor();
    redactor.add('sk-ant-secret-the-app-holds-0000');
    const gh = guardRequests(redactor)(new RestOctokit({ auth: 'x' }));
    const shaped = `ghp_${'aB3dE6gH9kM2'.repeat(3)}`;
    const file = `token = '${shaped}'; key = 'sk-ant-secret-the-app-holds-0000'`;
    const seen: unknown[] = [];
    const record = (_uri: string, body: nock.Body) => {
      seen.push(body);
      return {};
    };
    nock('https://api.github.com')
      .post('/repos/o/r/issues/1/comments')
      .reply(201, record)
      .post('/repos/o/r/git/trees')
      .reply(201, record)
      .post('/repos/o/r/git/blobs')
      .reply(201, record);

    await gh.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 1, body: `found ${shaped}` });
    await gh.rest.git.createTree({
      owner: 'o',
      repo: 'r',
      tree: [{ path: 'a', mode: '100644', type: 'blob', content: file }],
    });
    await gh.rest.git.createBlob({ owner: 'o', repo: 'r', content: file, encoding: 'utf-8' });

    const masked = `token = '${shaped}'; key = '***'`;
    expect(seen).toEqual([
      { body: 'found ***' },
      { tree: [{ path: 'a', mode: '100644', type: 'blob', content: masked }] },
      { content: masked, encoding: 'utf-8' },
    ]);
  });

  it('guards a client once however often it is handed to the guard', async () => {
    let passes = 0;
    const redactor = new (class extends Redactor {
      override redactValue<T>(value: T): T {
        passes++;
        return super.redactValue(value);
      }
    })();
    const guard = guardRequests(redactor);
    const gh = guard(guard(new RestOctokit({ auth: 'x' })));
    nock('https://api.github.com').post('/repos/o/r/issues/1/comments').reply(201, { id: 1 });
    await gh.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 1, body: 'hello' });
    expect(passes).toBe(4); // owner, repo, issue_number, body: once each
  });
});
