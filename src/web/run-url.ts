import type { AppEnv } from '../config/env.js';

/**
 * A run's page in the web view, for the status comment and the PR body: only when the web view
 * is on (both OAuth credentials) and PUBLIC_URL says where people reach it.
 */
export function runPageUrl(
  env: Pick<AppEnv, 'githubClientId' | 'githubClientSecret' | 'publicUrl'>,
): ((jobId: string) => string) | undefined {
  const { githubClientId, githubClientSecret, publicUrl } = env;
  if (!githubClientId || !githubClientSecret || !publicUrl) return undefined;
  return (jobId) => `${publicUrl}/ui/runs/${encodeURIComponent(jobId)}`;
}
