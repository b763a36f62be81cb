import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream';
import { BodyTooLarge, limit } from './body-limit.js';
import { responseHeaders } from './model-proxy.js';
import type { Logger } from 'pino';
import type { Authorize, Grant } from './types.js';

/**
 * The MCP proxy: an agent reaches a remote MCP server of its repository's config at
 * `/broker/mcp/<server>` with its job's capability token as the bearer token. The proxy
 * forwards the streamable-HTTP exchange (POST JSON-RPC answered with JSON or SSE, the GET
 * event stream, DELETE of the session) to the server's URL, with the configured headers and
 * their secret values added on the way out. Answers pass back unchanged and unbuffered: the
 * secrets stay in the app, the sandbox holds only its capability.
 */

/** Where a grant's server is and what to send it; undefined when the job's config has no such server. */
export interface McpUpstream {
  url: string;
  headers: Record<string, string>;
}

export interface McpProxyDeps {
  authorize: Authorize;
  /** The job's remote server by name, its secrets filled in; throws when a value is missing. */
  upstream(grant: Grant, server: string): Promise<McpUpstream | undefined>;
  log: Logger;
  /** Largest request body forwarded; 16 MiB by default (a tool call's arguments). */
  maxBodyBytes?: number;
}

const PREFIX = /^\/broker\/mcp\/([A-Za-z][A-Za-z0-9-]{0,39})\/?(\?.*)?$/;
const METHODS = new Set(['POST', 'GET', 'DELETE']);

/** What the streamable-HTTP transport needs of a request; the agent's credentials never go on. */
const REQUEST_HEADERS = [
  'content-type',
  'accept',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
  'user-agent',
  'content-length',
];

export function mcpProxy(deps: McpProxyDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const maxBodyBytes = deps.maxBodyBytes ?? 16 * 1024 * 1024;
  return async (req, res) => {
    if (!(req.url ?? '').startsWith('/broker/mcp/')) return false;
    const match = PREFIX.exec(req.url ?? '');
    const log = deps.log.child({ broker: 'mcp', method: req.method });
    if (!match) {
      send(res, 404, 'No such MCP server.');
      return true;
    }
    const server = match[1]!;
    const query = match[2] ?? '';
    if (!METHODS.has(req.method ?? '')) {
      res.setHeader('allow', 'POST, GET, DELETE');
      send(res, 405, `${req.method} is not part of MCP's streamable HTTP.`);
      return true;
    }
    let grant: Grant | undefined;
    let upstream: McpUpstream | undefined;
    try {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      grant = token ? await deps.authorize(token) : undefined;
      if (!grant) {
        log.warn({ server }, 'MCP request without a valid capability token refused');
        send(res, 401, 'A valid capability token is required.');
        return true;
      }
      upstream = await deps.upstream(grant, server);
    } catch (err) {
      log.error({ err, server, jobId: grant?.jobId }, 'the MCP broker could not serve a request');
      send(res, 502, `The app cannot reach the MCP server ${server}: ${(err as Error).message}.`);
      return true;
    }
    if (!upstream) {
      // Only the servers of the job's own repository config exist for it.
      log.warn({ server, jobId: grant.jobId }, 'MCP request for a server outside the job config');
      send(res, 404, `No MCP server ${server} in this repository's configuration.`);
      return true;
    }
    const contentLength = Number(req.headers['content-length'] ?? 0);
    if (contentLength > maxBodyBytes) {
      send(res, 413, 'The request body is too large.');
      return true;
    }
    forward(req, res, upstream, query, { maxBodyBytes, log: log.child({ jobId: grant.jobId, server }) });
    return true;
  };
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: McpUpstream,
  query: string,
  opts: { maxBodyBytes: number; log: Logger },
): void {
  const { log } = opts;
  const url = new URL(upstream.url);
  if (query) url.search = url.search ? `${url.search}&${query.slice(1)}` : query;
  const headers = requestHeaders(req.headers, upstream.headers);
  const secure = url.protocol === 'https:';
  // Redirects are not followed: the secret headers go to the configured server and nowhere else.
  const out = (secure ? https : http).request(url, { method: req.method, headers });
  res.once('close', () => {
    // The agent went away (or the stream ended): so does the upstream exchange.
    if (!res.writableFinished) out.destroy();
  });
  out.on('error', (err) => {
    log.warn({ err: { message: err.message }, host: url.host }, 'MCP server unreachable');
    if (!res.headersSent) send(res, 502, `The MCP server could not be reached: ${err.message}.`);
    else res.destroy();
  });
  out.on('response', (up) => {
    if ((up.statusCode ?? 502) >= 400)
      log.info({ status: up.statusCode, host: url.host }, 'MCP server answered an error');
    res.writeHead(up.statusCode ?? 502, up.statusMessage, mcpResponseHeaders(up.headers));
    // An event stream goes out event by event: the headers now, each chunk as it comes.
    res.flushHeaders();
    pipeline(up, res, (err) => {
      if (err && !res.writableFinished) log.debug({ err: { message: err.message } }, 'MCP answer cut short');
    });
  });
  if (req.method === 'POST') {
    pipeline(req, limit(opts.maxBodyBytes), out, (err) => {
      if (!err) return;
      if (err instanceof BodyTooLarge) send(res, 413, 'The request body is too large.');
      out.destroy();
    });
  } else {
    out.end();
  }
}

function requestHeaders(incoming: IncomingHttpHeaders, configured: Record<string, string>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name of REQUEST_HEADERS) {
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  for (const [name, value] of Object.entries(configured)) out[name.toLowerCase()] = value;
  return out;
}

/** Hop-by-hop headers dropped, and cookies, which would tie the sandbox to the server's own sessions. */
function mcpResponseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const { 'set-cookie': _cookies, ...headers } = responseHeaders(incoming);
  return headers;
}

/** The proxy's own answers, as JSON an MCP client shows. */
function send(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}
