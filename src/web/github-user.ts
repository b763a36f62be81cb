import type { GitHubUrls } from './github-urls.js';

/** The viewer's token no longer works (revoked, expired): they must log in again. */
export class SessionExpiredError extends Error {
  constructor() {
    super('the GitHub session expired');
    this.name = 'SessionExpiredError';
  }
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

/** GitHub's page where the viewer allows the app to know who they are. */
export function authorizeUrl(urls: GitHubUrls, client: OAuthClient, redirectUri: string, state: string): string {
  const q = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: redirectUri,
    state,
    allow_signup: 'false',
  });
  return `${urls.web}/login/oauth/authorize?${q.toString()}`;
}

/** The user's token for the code GitHub sent back to the callback; undefined when GitHub refused it. */
export async function exchangeCode(
  urls: GitHubUrls,
  client: OAuthClient,
  code: string,
  redirectUri: string,
): Promise<string | undefined> {
  const res = await fetch(`${urls.web}/login/oauth/access_token`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      code,
      redirect_uri: redirectUri,
    }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) return undefined;
  const body = (await res.json()) as { access_token?: unknown };
  return typeof body.access_token === 'string' ? body.access_token : undefined;
}

async function api(urls: GitHubUrls, token: string, path: string): Promise<Response> {
  const res = await fetch(`${urls.api}${path}`, {
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${token}`,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'issue-agent-web-view',
    },
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status === 401) throw new SessionExpiredError();
  return res;
}

/** The login the token belongs to. */
export async function userLogin(urls: GitHubUrls, token: string): Promise<string> {
  const res = await api(urls, token, '/user');
  if (!res.ok) throw new Error(`GitHub answered ${res.status} for the signed-in user`);
  const body = (await res.json()) as { login?: unknown };
  if (typeof body.login !== 'string') throw new Error('GitHub sent no login for the signed-in user');
  return body.login;
}

/**
 * Whether the token's user can read the repository, as GitHub says: the repository answers
 * with `permissions.pull`. A repository they cannot see answers 404.
 */
export async function canRead(urls: GitHubUrls, token: string, repo: string): Promise<boolean> {
  const [owner, name] = repo.split('/');
  const res = await api(urls, token, `/repos/${encodeURIComponent(owner ?? '')}/${encodeURIComponent(name ?? '')}`);
  if (!res.ok) return false;
  const body = (await res.json()) as { permissions?: { pull?: unknown } };
  return body.permissions?.pull === true;
}
