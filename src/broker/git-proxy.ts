import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream';
import { BodyTooLarge, limit } from './body-limit.js';
import type { Logger } from 'pino';
import type { Authorize, Grant } from './types.js';

export interface GitProxyDeps {
  /** The capability token (the Basic password) to its grant. */
  authorize: Authorize;
  /** A read-only token for the grant's one repository; it never leaves the app. */
  readToken: (grant: Grant) => Promise<string>;
  log: Logger;
  /** Upstream silent (no bytes either way) this long: the request is aborted. */
  timeoutMs?: number;
  /** Upper bound of an upload-pack request body (the client's wants and haves, possibly gzipped). */
  maxBodyBytes?: number;
}

const GIT_PROXY_PREFIX = '/broker/git/';
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
const REALM = 'Basic realm="issue-agent"';

/** What git needs of a request: the protocol version (v2 rides in `Git-Protocol`) and the body's encoding. */
const REQUEST_HEADERS = [
  'content-type',
  'content-encoding',
  'content-length',
  'accept',
  'accept-encoding',
  'git-protocol',
  'user-agent',
];
/** What git needs of a response; everything else (cookies, auth challenges, rate-limit details) stays upstream. */
const RESPONSE_HEADERS = ['content-type', 'content-encoding', 'content-length', 'cache-control', 'expires', 'pragma'];

type Route = { kind: 'refs' | 'upload-pack'; owner: string; name: string } | { kind: 'push' } | { kind: 'unknown' };

/**
 * Git smart HTTP for sandboxes, fetch only: `GET <repo>.git/info/refs?service=git-upload-pack`
 * and `POST <repo>.git/git-upload-pack` under `/broker/git/<owner>/`. The sandbox authenticates
 * with its job's capability token as the Basic password; the app forwards to the grant's clone
 * URL with its own read token, so no GitHub token ever reaches the sandbox. Pushing is refused:
 * the app commits the agent's changes itself, after checking them.
 */
export function gitProxy(deps: GitProxyDeps) {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://broker');
    if (!url.pathname.startsWith(GIT_PROXY_PREFIX) && url.pathname !== GIT_PROXY_PREFIX.slice(0, -1)) return false;
    const route = parseRoute(url);
    const log = deps.log.child({ broker: 'git', method: req.method, path: url.pathname });

    if (route.kind === 'push') {
      log.warn('git push through the broker refused');
      sendText(res, 403, 'Pushing is not possible through issue-agent: the app commits the changes itself.');
      return true;
    }
    if (route.kind === 'unknown') {
      sendText(res, 404, 'Not found.');
      return true;
    }
    const method = route.kind === 'refs' ? 'GET' : 'POST';
    if (req.method !== method) {
      res.setHeader('allow', method);
      sendText(res, 405, `Only ${method} is allowed here.`);
      return true;
    }

    const token = basicPassword(req.headers.authorization);
    let grant: Grant | undefined;
    try {
      grant = token ? await deps.authorize(token) : undefined;
    } catch (err) {
      log.error({ err }, 'the git broker could not check a capability token');
      sendText(res, 503, 'The app cannot check the token right now; try again.');
      return true;
    }
    if (!grant) {
      if (token) log.warn('git request with an unknown, revoked or expired capability token');
      res.setHeader('www-authenticate', REALM);
      sendText(res, 401, 'A valid capability token is required.');
      return true;
    }
    const glog = log.child({ jobId: grant.jobId });
    if (!sameRepo(grant, route.owner, route.name)) {
      // Answered like a repository that does not exist: a job learns nothing of other repositories.
      glog.warn({ repo: `${route.owner}/${route.name}` }, 'git request for a repository outside the grant');
      sendText(res, 404, 'Repository not found.');
      return true;
    }
    const contentLength = Number(req.headers['content-length'] ?? 0);
    if (contentLength > maxBodyBytes) {
      glog.warn({ contentLength }, 'git request body over the size limit');
      sendText(res, 413, 'The request body is too large.');
      return true;
    }

    let upstream: URL;
    try {
      upstream = upstreamUrl(grant.repo.cloneUrl, route.kind);
    } catch (err) {
      glog.error({ err }, 'the grant names a clone URL the git broker cannot use');
      sendText(res, 502, 'The repository cannot be reached through the app.');
      return true;
    }
    let readToken: string;
    try {
      readToken = await deps.readToken(grant);
    } catch (err) {
      glog.error({ err }, 'no read token for the git broker');
      sendText(res, 502, 'The app could not get read access to the repository.');
      return true;
    }

    await forward(req, res, upstream, readToken, { timeoutMs, maxBodyBytes, log: glog });
    return true;
  };
}

function parseRoute(url: URL): Route {
  const rest = url.pathname.slice(GIT_PROXY_PREFIX.length);
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/.exec(rest);
  if (!m) return { kind: 'unknown' };
  const [, owner, name, endpoint] = m as unknown as [string, string, string, string];
  const service = url.searchParams.get('service');
  if (endpoint === 'git-receive-pack' || (endpoint === 'info/refs' && service === 'git-receive-pack'))
    return { kind: 'push' };
  if (owner.startsWith('.') || name.startsWith('.')) return { kind: 'unknown' };
  if (endpoint === 'git-upload-pack') return { kind: 'upload-pack', owner, name };
  // info/refs without the service is git's dumb protocol, which would serve files, not a negotiated pack.
  return service === 'git-upload-pack' ? { kind: 'refs', owner, name } : { kind: 'unknown' };
}

/** The password of a Basic authorization (git's username is whatever the sandbox configured). */
function basicPassword(header: string | undefined): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  return password || undefined;
}

function sameRepo(grant: Grant, owner: string, name: string): boolean {
  return grant.repo.owner.toLowerCase() === owner.toLowerCase() && grant.repo.name.toLowerCase() === name.toLowerCase();
}

function upstreamUrl(cloneUrl: string, kind: 'refs' | 'upload-pack'): URL {
  const base = new URL(cloneUrl);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error(`unsupported scheme ${base.protocol}`);
  if (base.username || base.password || base.search || base.hash) throw new Error('the clone URL must be plain');
  const path = base.pathname.replace(/\/+$/, '');
  return new URL(
    kind === 'refs' ? `${path}/info/refs?service=git-upload-pack` : `${path}/git-upload-pack`,
    base.origin,
  );
}

/**
 * Streams the request to upstream and the answer back, with backpressure both ways (pipeline);
 * the client going away destroys the upstream request. Redirects are not followed: the read
 * token must go nowhere but the grant's host, and a POST body cannot be replayed anyway.
 */
function forward(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: URL,
  readToken: string,
  opts: { timeoutMs: number; maxBodyBytes: number; log: Logger },
): Promise<void> {
  const { log } = opts;
  const headers: OutgoingHttpHeaders = {
    authorization: `Basic ${Buffer.from(`x-access-token:${readToken}`).toString('base64')}`,
  };
  for (const name of REQUEST_HEADERS) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = value;
  }

  return new Promise<void>((resolve) => {
    const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
    const out = send(upstream, { method: req.method, headers });
    let answered = false;
    const finish = () => resolve();
    res.once('close', () => {
      // Closed before the whole answer went out: the client is gone, so is the reason to keep fetching.
      if (!res.writableFinished) out.destroy();
      finish();
    });
    out.setTimeout(opts.timeoutMs, () => out.destroy(new Error(`upstream silent for ${opts.timeoutMs} ms`)));
    out.on('error', (err) => {
      if (answered) {
        log.warn({ err: { message: err.message } }, 'git upstream failed mid-answer');
        res.destroy();
      } else {
        log.warn({ err: { message: err.message } }, 'git upstream unreachable');
        sendText(res, 502, 'The repository could not be reached.');
      }
    });
    out.on('response', (up) => {
      answered = true;
      const status = up.statusCode ?? 502;
      if (status !== 200) {
        up.resume();
        log.warn({ status, host: upstream.host }, 'git upstream refused');
        sendText(res, upstreamStatus(status), upstreamMessage(status), retryAfter(up));
        return;
      }
      for (const name of RESPONSE_HEADERS) {
        const value = up.headers[name];
        if (value !== undefined) res.setHeader(name, value);
      }
      res.writeHead(200);
      pipeline(up, res, (err) => {
        if (err && !res.writableFinished) log.warn({ err: { message: err.message } }, 'git answer cut short');
      });
    });

    if (req.method === 'POST') {
      pipeline(req, limit(opts.maxBodyBytes), out, (err) => {
        if (!err) return;
        if (err instanceof BodyTooLarge) {
          log.warn('git request body over the size limit');
          sendText(res, 413, 'The request body is too large.');
        }
        out.destroy();
      });
    } else {
      out.end();
    }
  });
}

/** Statuses git acts on pass through; anything else from upstream is the app's gateway failing. */
function upstreamStatus(status: number): number {
  if ([401, 403, 404, 429].includes(status) || status >= 500) return status;
  return 502;
}

function upstreamMessage(status: number): string {
  if (status === 401 || status === 403) return `GitHub refused the app's read access to the repository (${status}).`;
  if (status === 404) return 'Repository not found.';
  if (status === 429) return 'GitHub is rate limiting the app; try again later.';
  if (status >= 300 && status < 400) return 'The repository has moved; the app does not follow redirects.';
  return `The repository could not be read (upstream status ${status}).`;
}

/** Only where git's and the CLIs' retry logic read it: rate limits and a service pausing. */
function retryAfter(up: IncomingMessage): Record<string, string> {
  const value = up.statusCode === 429 || up.statusCode === 503 ? up.headers['retry-after'] : undefined;
  return typeof value === 'string' && /^\d{1,6}$/.test(value) ? { 'retry-after': value } : {};
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
  res.end(`${text}\n`);
}
