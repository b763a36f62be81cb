import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { runModel } from '../agents/index.js';
import type { JobStore, StoredJob } from '../jobs/store/types.js';
import { isAdmin, maySee, repoKey, type Viewer } from './access.js';
import { asset } from './assets.js';
import { cookie, readCookies } from './cookies.js';
import { authorizeUrl, canRead, exchangeCode, SessionExpiredError, userLogin } from './github-user.js';
import type { GitHubUrls } from './github-urls.js';
import { LoginPage, OffPage } from './pages/login.js';
import { Message, page } from './pages/layout.js';
import { RunPage } from './pages/run.js';
import { ReadCache } from './read-cache.js';
import { Sealer } from './seal.js';
import { securityHeaders } from './security-headers.js';
import { rowOf, runsPage, spendPage } from './page-data.js';
import { streamTranscript } from './transcript-stream.js';

export interface WebDeps {
  store: JobStore;
  /** The GitHub App's OAuth client; undefined: the web view is off and says how to turn it on. */
  oauth?: { clientId: string; clientSecret: string };
  /** ADMIN_USERS, lower case. */
  admins: readonly string[];
  /** PUBLIC_URL: the callback's address, and `Secure` cookies when it is https. */
  publicUrl?: string;
  urls: GitHubUrls;
  monthlyCostUsdPerInstallation?: number;
  log: Logger;
  now?: () => number;
  /** How often a live transcript looks for new entries (ms). */
  pollMs?: number;
}

interface Session {
  login: string;
  token: string;
  /** ms since the epoch. */
  expires: number;
}

const SESSION_COOKIE = 'ia_session';
const STATE_COOKIE = 'ia_oauth';
/** GitHub App user tokens live 8 hours; the session no longer. */
const SESSION_SECONDS = 8 * 3600;
const STATE_SECONDS = 600;

export interface WebView {
  /** Answers `/ui/...` requests; false for every other path. */
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** Ends every open live transcript, so the server can close (shutdown). */
  closeStreams(): void;
}

/** The web view under `/ui/`, added to the app's server like `/healthz` and the broker's routes. */
export function webView(deps: WebDeps): WebView {
  const now = deps.now ?? Date.now;
  const streams = new AbortController();
  const reads = new ReadCache();
  const sealer = deps.oauth && new Sealer(deps.oauth.clientSecret);

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://app.invalid');
    const path = url.pathname;
    if (path !== '/ui' && !path.startsWith('/ui/')) return false;
    securityHeaders(res);
    try {
      if (req.method === 'GET' && path.startsWith('/ui/assets/')) {
        const found = await asset(path.slice('/ui/assets/'.length));
        if (!found) return (notFound(res), true);
        res.writeHead(200, { 'content-type': found.type, 'cache-control': 'public, max-age=300' }).end(found.body);
        return true;
      }
      if (!deps.oauth || !sealer) {
        html(res, 404, page(<OffPage />));
        return true;
      }
      const secure = isSecure(req, deps.publicUrl);
      const callback = `${deps.publicUrl ?? `http://${req.headers.host ?? 'localhost'}`}/ui/auth/callback`;

      if (req.method === 'GET' && path === '/ui/login') {
        html(res, 200, page(<LoginPage returnTo={safeReturn(url.searchParams.get('return'))} />));
        return true;
      }
      if (req.method === 'GET' && path === '/ui/auth/start') {
        const state = randomBytes(24).toString('base64url');
        const returnTo = safeReturn(url.searchParams.get('return'));
        res.setHeader(
          'set-cookie',
          cookie(STATE_COOKIE, sealer.seal({ state, returnTo, expires: now() + STATE_SECONDS * 1000 }), {
            maxAgeSeconds: STATE_SECONDS,
            secure,
          }),
        );
        redirect(res, authorizeUrl(deps.urls, deps.oauth, callback, state));
        return true;
      }
      if (req.method === 'GET' && path === '/ui/auth/callback') {
        const pending = sealer.unseal(readCookies(req).get(STATE_COOKIE) ?? '') as
          { state?: unknown; returnTo?: unknown; expires?: unknown } | undefined;
        if (url.searchParams.has('error')) {
          // The viewer declined on GitHub's page (or GitHub refused the app).
          res.setHeader('set-cookie', cookie(STATE_COOKIE, '', { maxAgeSeconds: 0, secure }));
          html(res, 400, page(<LoginPage returnTo="/ui/" problem="GitHub did not allow the sign-in." />));
          return true;
        }
        const given = url.searchParams.get('state') ?? '';
        const code = url.searchParams.get('code');
        const clearState = cookie(STATE_COOKIE, '', { maxAgeSeconds: 0, secure });
        // The state ties the callback to a sign-in this browser started (no login CSRF).
        if (
          !pending ||
          typeof pending.state !== 'string' ||
          typeof pending.expires !== 'number' ||
          pending.expires < now() ||
          !sameText(pending.state, given) ||
          !code
        ) {
          res.setHeader('set-cookie', clearState);
          html(
            res,
            400,
            page(
              <LoginPage returnTo="/ui/" problem="That sign-in link expired or was not started here: sign in again." />,
            ),
          );
          return true;
        }
        const token = await exchangeCode(deps.urls, deps.oauth, code, callback);
        if (!token) {
          res.setHeader('set-cookie', clearState);
          html(res, 400, page(<LoginPage returnTo="/ui/" problem="GitHub did not accept the sign-in: try again." />));
          return true;
        }
        const login = await userLogin(deps.urls, token);
        const session: Session = { login, token, expires: now() + SESSION_SECONDS * 1000 };
        res.setHeader('set-cookie', [
          clearState,
          cookie(SESSION_COOKIE, sealer.seal(session), { maxAgeSeconds: SESSION_SECONDS, secure }),
        ]);
        deps.log.info({ login }, 'signed in to the web view');
        redirect(res, safeReturn(typeof pending.returnTo === 'string' ? pending.returnTo : null));
        return true;
      }
      if (req.method === 'POST' && path === '/ui/logout') {
        res.setHeader('set-cookie', cookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure }));
        redirect(res, '/ui/login');
        return true;
      }

      const session = sessionOf(req, sealer, now());
      const api = path.startsWith('/ui/api/');
      if (!session) {
        if (api) res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"sign in first"}');
        else redirect(res, `/ui/login?return=${encodeURIComponent(path + url.search)}`);
        return true;
      }
      const viewer: Viewer = { login: session.login, admin: isAdmin(session.login, deps.admins) };
      const readable = (repos: Iterable<string>) =>
        viewer.admin
          ? Promise.resolve(new Set<string>())
          : reads.readable(viewer.login, repos, (r) => canRead(deps.urls, session.token, r));
      const visible = async (job: StoredJob | undefined) =>
        job !== undefined &&
        maySee(viewer, repoKey(job.repoOwner, job.repoName), await readable([repoKey(job.repoOwner, job.repoName)]));

      if (req.method !== 'GET') return (notFound(res, viewer), true);
      if (path === '/ui' || path === '/ui/') {
        html(res, 200, await runsPage(deps, viewer, url.searchParams, readable, now()));
        return true;
      }
      if (path === '/ui/spend') {
        html(res, 200, await spendPage(deps, viewer, readable, now()));
        return true;
      }
      const run = /^\/ui\/runs\/([^/]+)$/.exec(path);
      if (run) {
        const job = await deps.store.get(decodeURIComponent(run[1]!));
        if (!job || !(await visible(job))) return (notFound(res, viewer), true);
        const transcript = await deps.store.transcript(job.id);
        html(
          res,
          200,
          page(
            <RunPage
              viewer={viewer}
              row={await rowOf(deps.store, job)}
              model={runModel(job.job)}
              transcript={transcript}
              urls={deps.urls}
              now={now()}
            />,
          ),
        );
        return true;
      }
      const events = /^\/ui\/api\/runs\/([^/]+)\/events$/.exec(path);
      if (events) {
        const job = await deps.store.get(decodeURIComponent(events[1]!));
        if (!job || !(await visible(job))) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such run"}');
          return true;
        }
        const after = Number(req.headers['last-event-id'] ?? url.searchParams.get('after') ?? 0) || 0;
        await streamTranscript(req, res, {
          store: deps.store,
          jobId: job.id,
          after,
          pollMs: deps.pollMs,
          signal: streams.signal,
        });
        return true;
      }
      notFound(res, viewer);
      return true;
    } catch (err) {
      if (err instanceof SessionExpiredError) {
        res.setHeader(
          'set-cookie',
          cookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: isSecure(req, deps.publicUrl) }),
        );
        redirect(res, `/ui/login?return=${encodeURIComponent(path)}`);
        return true;
      }
      deps.log.error({ err, path }, 'web view request failed');
      if (!res.headersSent)
        html(res, 500, page(<Message title="Something went wrong">{'The app logged the error.'}</Message>));
      else res.end();
      return true;
    }
  };
  return { handler, closeStreams: () => streams.abort() };
}

function sessionOf(req: IncomingMessage, sealer: Sealer, now: number): Session | undefined {
  const s = sealer.unseal(readCookies(req).get(SESSION_COOKIE) ?? '') as Partial<Session> | undefined;
  if (!s || typeof s.login !== 'string' || typeof s.token !== 'string' || typeof s.expires !== 'number')
    return undefined;
  return s.expires > now ? (s as Session) : undefined;
}

/** Only a path of the web view itself: never an open redirect to another site. */
export function safeReturn(value: string | null): string {
  return value && /^\/ui(\/[^\\]*)?$/.test(value) && !value.startsWith('//') ? value : '/ui/';
}

function isSecure(req: IncomingMessage, publicUrl: string | undefined): boolean {
  return publicUrl?.startsWith('https://') === true || req.headers['x-forwarded-proto'] === 'https';
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store' }).end();
}

/** The same answer for a run that does not exist and one the viewer may not see. */
function notFound(res: ServerResponse, viewer?: Viewer): void {
  html(
    res,
    404,
    page(
      <Message title="Not found" viewer={viewer}>
        {'There is no such page, or you cannot see it.'}
      </Message>,
    ),
  );
}
