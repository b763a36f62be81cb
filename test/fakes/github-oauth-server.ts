import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for GitHub (Enterprise Server paths) as the web view's sign-in uses it, over real
 * HTTP: the OAuth authorize page (it approves at once, as GitHub does for an app the user
 * already authorized), the code exchange, `GET /api/v3/user`, and `GET /api/v3/repos/{o}/{r}`
 * answering `permissions.pull` for the users a test lets read the repository, 404 otherwise.
 */
export interface FakeGitHubOAuth {
  /** `127.0.0.1:<port>`: what GHE_HOST would be (with GHE_PROTOCOL=http). */
  host: string;
  clientId: string;
  clientSecret: string;
  /** The user the next authorize signs in as. */
  user: string;
  /** Who may read a repository (`owner/name`, lower case): logins. */
  readers: Map<string, Set<string>>;
  /** Every request, as `METHOD /path`. */
  requests: string[];
  /** Tokens issued, so a test can revoke one. */
  tokens: Map<string, string>;
  close(): Promise<void>;
}

export async function startFakeGitHubOAuth(): Promise<FakeGitHubOAuth> {
  const codes = new Map<string, { user: string; redirectUri: string }>();
  const fake: Omit<FakeGitHubOAuth, 'host' | 'close'> = {
    clientId: 'Iv1.fakeclient',
    clientSecret: 'fake-client-secret-value-0123456789',
    user: 'octocat',
    readers: new Map(),
    requests: [],
    tokens: new Map(),
  };
  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const userOf = (req: IncomingMessage) => fake.tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      fake.requests.push(`${req.method} ${url.pathname}`);
      if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
        const redirectUri = url.searchParams.get('redirect_uri') ?? '';
        if (url.searchParams.get('client_id') !== fake.clientId) return json(res, 404, { message: 'Not Found' });
        const code = randomBytes(8).toString('hex');
        codes.set(code, { user: fake.user, redirectUri });
        const back = new URL(redirectUri);
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        return res.writeHead(302, { location: back.toString() }).end();
      }
      if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
        const body = JSON.parse(raw || '{}') as Record<string, string>;
        const grant = codes.get(body.code ?? '');
        codes.delete(body.code ?? '');
        // GitHub answers 200 with an error object for a bad code.
        if (
          body.client_id !== fake.clientId ||
          body.client_secret !== fake.clientSecret ||
          !grant ||
          grant.redirectUri !== body.redirect_uri
        )
          return json(res, 200, { error: 'bad_verification_code' });
        const token = `ghu_${randomBytes(16).toString('hex')}`;
        fake.tokens.set(token, grant.user);
        return json(res, 200, { access_token: token, token_type: 'bearer', scope: '' });
      }
      const user = userOf(req);
      if (url.pathname.startsWith('/api/v3/') && !user) return json(res, 401, { message: 'Bad credentials' });
      if (req.method === 'GET' && url.pathname === '/api/v3/user') return json(res, 200, { login: user, id: 1 });
      const repo = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && repo) {
        const key = `${decodeURIComponent(repo[1]!)}/${decodeURIComponent(repo[2]!)}`.toLowerCase();
        if (!fake.readers.get(key)?.has(user!)) return json(res, 404, { message: 'Not Found' });
        return json(res, 200, {
          full_name: key,
          private: true,
          permissions: { pull: true, push: false, admin: false },
        });
      }
      json(res, 404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(fake, {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}
