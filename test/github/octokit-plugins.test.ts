import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import { countRequests } from '../../src/github/octokit-plugins.js';
import { Metrics } from '../../src/metrics.js';
import type { JobStore } from '../../src/jobs/store/types.js';

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
