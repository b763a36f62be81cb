import nock from 'nock';
import { Probot, ProbotOctokit } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import { countRequests, redactMintedTokens } from '../../src/github/octokit-plugins.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import type { JobStore } from '../../src/jobs/store/types.js';
import { Redactor } from '../../src/security/redactor.js';
import { privateKey } from '../helpers/probot.js';

describe('countRequests', () => {
  afterEach(() => nock.cleanAll());

  it('counts every GitHub response by status and keeps the rate limit left', async () => {
    const store = { stats: async () => ({ byAgent: [], queueDepth: 0 }) } as unknown as JobStore;
    const metrics = new Metrics(store);
    const Octokit = ProbotOctokit.plugin(countRequests(metrics)).defaults((o: Record<string, unknown> & { throttle?: object }) => ({
      ...o,
      retry: { enabled: false },
      throttle: { ...o.throttle, enabled: false },
    }));
    const gh = new Octokit({ auth: { token: 'x' } } as never);
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

describe('redactMintedTokens', () => {
  afterEach(() => nock.cleanAll());

  it('masks the installation token Probot mints inside its auth strategy, and the ones the app asks for', async () => {
    const redactor = new Redactor();
    const Octokit = ProbotOctokit.plugin(redactMintedTokens(redactor)).defaults((o: Record<string, unknown> & { throttle?: object }) => ({
      ...o,
      retry: { enabled: false },
      throttle: { ...o.throttle, enabled: false },
    }));
    const probot = new Probot({ appId: 1, privateKey, Octokit });
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const scope = nock('https://api.github.com')
      .post('/app/installations/7/access_tokens')
      .reply(201, { token: 'ghs_minted_by_probot_auth', expires_at: expiresAt })
      .get('/repos/o/r')
      .reply(200, {})
      .post('/app/installations/7/access_tokens', { repositories: ['r'], permissions: { contents: 'read' } })
      .reply(201, { token: 'ghs_read_only_for_a_clone', expires_at: expiresAt });

    const installation = await probot.auth(7);
    await installation.rest.repos.get({ owner: 'o', repo: 'r' });
    const app = await probot.auth();
    await app.rest.apps.createInstallationAccessToken({ installation_id: 7, repositories: ['r'], permissions: { contents: 'read' } });

    scope.done();
    expect(redactor.redact('ghs_minted_by_probot_auth ghs_read_only_for_a_clone ghs_not_minted_here')).toBe('*** *** ghs_not_minted_here');
  });
});
