/** Where GitHub's web pages (OAuth) and its REST API are: github.com, or GitHub Enterprise Server. */
export interface GitHubUrls {
  web: string;
  api: string;
}

/**
 * As Probot derives its own Octokit's base URL from GHE_HOST / GHE_PROTOCOL: a GHE host serves
 * OAuth at `<protocol>://<host>/login/oauth/...` and the API under `/api/v3`.
 */
export function githubUrls(env: { gheHost?: string; gheProtocol?: 'http' | 'https' }): GitHubUrls {
  if (!env.gheHost) return { web: 'https://github.com', api: 'https://api.github.com' };
  const base = `${env.gheProtocol ?? 'https'}://${env.gheHost}`;
  return { web: base, api: `${base}/api/v3` };
}
