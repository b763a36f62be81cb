import type { Octokit } from '@octokit/core';
import type { Metrics } from '../metrics.js';

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
