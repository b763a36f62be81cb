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

/** Request options that are not the app's words: where the request goes and how. */
const NOT_CONTENT = new Set(['method', 'url', 'baseUrl', 'headers', 'request', 'mediaType']);

/**
 * Requests that carry the files being committed: they are masked for the secrets the app holds
 * only, not for credential shapes (see RedactOptions). The content guard has already refused
 * files holding one of those secrets; this mask stays as the last line.
 */
const FILE_CONTENTS = /\/git\/(?:trees|blobs)$/;

/** Clients already guarded (a hook added twice would mask twice and learn tokens twice). */
const guarded = new WeakSet<object>();

/**
 * The edge where the app's words leave for GitHub. Every request's parameters (comment and PR
 * bodies, titles, check run output, commit messages, tree contents, ...) pass the redactor,
 * so no write path has to remember to. And every installation token minted through the client
 * reaches the redactor with its expiry: the tokens Probot's auth strategy mints for handlers
 * and workers never pass through our code otherwise. app.ts guards every client it uses.
 */
export function guardRequests(redactor: Redactor) {
  return <T extends Pick<Octokit, 'hook'>>(octokit: T): T => {
    if (guarded.has(octokit)) return octokit;
    guarded.add(octokit);
    octokit.hook.before('request', (options) => {
      const params = options as Record<string, unknown>;
      const redact = { shapes: !(options.method === 'POST' && FILE_CONTENTS.test(options.url)) };
      for (const [name, value] of Object.entries(params))
        if (!NOT_CONTENT.has(name)) params[name] = redactor.redactValue(value, redact);
    });
    octokit.hook.after('request', (response, options) => {
      if (options.method !== 'POST' || !ACCESS_TOKENS.test(options.url)) return;
      const { token, expires_at: expiresAt } = response.data as { token?: string; expires_at?: string };
      redactor.add(token, expiresAt ? Date.parse(expiresAt) : undefined);
    });
    return octokit;
  };
}
