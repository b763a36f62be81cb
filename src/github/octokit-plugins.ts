import type { Octokit } from '@octokit/core';
import type { Metrics } from '../metrics.js';
import { redactor } from '../security/redactor.js';

/**
 * Teaches the redactor every token an Octokit client authenticates with (installation tokens
 * are minted inside Probot's auth strategy, out of our sight), so no text we write can carry one.
 */
export function knowTokens(octokit: Octokit): void {
  octokit.hook.before('request', (options) => {
    const auth = options.headers?.authorization;
    if (typeof auth === 'string') redactor.add(auth.replace(/^(token|bearer|basic)\s+/i, ''));
  });
}

/** Counts every GitHub response and keeps the last rate-limit reading, for /metrics. */
export function countRequests(metrics: Metrics) {
  return (octokit: Octokit): void => {
    octokit.hook.after('request', (response) => metrics.observeGitHub(response.status, response.headers));
    octokit.hook.error('request', (error) => {
      const e = error as { status?: number; response?: { headers?: Record<string, string> } };
      metrics.observeGitHub(e.status ?? 0, e.response?.headers);
      throw error;
    });
  };
}
