import type { Octokit } from '@octokit/core';
import type { Metrics } from '../telemetry/metrics.js';
import type { Redactor } from '../security/redactor.js';

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

/** The route that mints installation tokens, as a template (Probot's auth) or with the id filled in. */
const ACCESS_TOKENS = /\/app\/installations\/(?:\{installation_id\}|\d+)\/access_tokens$/;

/**
 * Every installation token minted through this client reaches the redactor, with its expiry:
 * the tokens Probot's auth strategy mints for handlers and workers never pass through our
 * code otherwise, so a library error or debug line that printed one would go out unmasked.
 */
export function redactMintedTokens(redactor: Redactor) {
  return (octokit: Octokit): void => {
    octokit.hook.after('request', (response, options) => {
      if (options.method !== 'POST' || !ACCESS_TOKENS.test(options.url)) return;
      const { token, expires_at: expiresAt } = response.data as { token?: string; expires_at?: string };
      redactor.add(token, expiresAt ? Date.parse(expiresAt) : undefined);
    });
  };
}
