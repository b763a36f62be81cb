import { ProbotOctokit } from 'probot';
import type { GitHub } from '../../src/github/octokit.js';

/** Probot's client as the app gets it, with retries and throttling off (the function form of `defaults`: the object form leaves throttling on). */
export function testGitHub(): GitHub {
  const Client = ProbotOctokit.defaults((o: Record<string, unknown> & { throttle?: object }) => ({
    ...o,
    retry: { enabled: false },
    throttle: { ...o.throttle, enabled: false },
  }));
  return new Client({ auth: { token: 'ghs_test' } });
}
