import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { Logger } from 'pino';
import { LineSplitter } from './sse.js';
import type { Authorize, Grant, MeteredUsage } from './types.js';
import { usageReader, type ModelApi, type UsageReader } from './usage.js';

/**
 * The model proxy: agents in sandboxes call `/broker/anthropic/...` and `/broker/openai/...`
 * with their job's capability token as the API key; the proxy checks it, forwards the request
 * to the real API with the app's key, streams the answer back as it arrives and reads the
 * token usage from it on the way (docs/broker.md).
 */

export type Provider = 'anthropic' | 'openai';

export interface Upstream {
  /** Anthropic: the API root without /v1 (as ANTHROPIC_BASE_URL). OpenAI: including /v1 (as OPENAI_BASE_URL). */
  baseUrl: string;
  /** Added to every forwarded request: the real key (`x-api-key`, or `authorization: Bearer ...`). */
  headers: Record<string, string>;
}

export interface ModelProxyDeps {
  authorize: Authorize;
  /** Whether the grant may make another model call; a string refuses it (HTTP 429 with that message). */
  admit(grant: Grant): Promise<string | undefined>;
  /** Called once per successful response that reported usage (a cut-off stream: the usage seen so far). */
  onUsage(grant: Grant, usage: MeteredUsage): void;
  /** Called for every upstream answer of status 400 or more, after it was passed on unchanged. */
  onUpstreamError?(grant: Grant, provider: Provider, status: number): void;
  upstreams: Partial<Record<Provider, Upstream>>;
  log: Logger;
  /** Largest request body accepted; 32 MiB by default (agents send whole conversations). */
  maxBodyBytes?: number;
}

interface Route {
  /** Appended to the upstream's baseUrl. */
  upstreamPath: string;
  /** What the response's usage is read as; none for endpoints that are not billed (count_tokens). */
  api?: ModelApi;
}

const ROUTES: Record<Provider, Record<string, Route>> = {
  anthropic: {
    '/v1/messages': { upstreamPath: '/v1/messages', api: 'anthropic-messages' },
    '/v1/messages/count_tokens': { upstreamPath: '/v1/messages/count_tokens' },
  },
  openai: {
    '/v1/responses': { upstreamPath: '/responses', api: 'openai-responses' },
    '/v1/chat/completions': { upstreamPath: '/chat/completions', api: 'openai-chat' },
  },
};

const PREFIX = /^\/broker\/(anthropic|openai)(\/[^?]*)?(\?.*)?$/;

/** Request headers never forwarded: hop-by-hop, the agent's credentials, and what the proxy sets itself. */
const DROP_REQUEST = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
  'cookie',
  'content-length',
  'accept-encoding',
  'x-api-key',
  'authorization',
]);

const DROP_RESPONSE = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'te',
]);

/** An SSE line longer than this is not read for usage (usage events are small; response.completed echoes the output). */
const MAX_SSE_LINE = 8 * 1024 * 1024;
/** A non-streamed JSON answer larger than this is passed on but not read for usage. */
const MAX_JSON_BODY = 16 * 1024 * 1024;

export function modelProxy(deps: ModelProxyDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const maxBodyBytes = deps.maxBodyBytes ?? 32 * 1024 * 1024;
  // Keep-alive to the upstream: a new TLS handshake per model call would be most of the overhead.
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  return async (req, res) => {
    const match = PREFIX.exec(req.url ?? '');
    if (!match) return false;
    const provider = match[1] as Provider;
    const path = match[2] ?? '/';
    const query = match[3] ?? '';
    const log = deps.log.child({ broker: 'model', provider });
    const route = req.method === 'POST' ? ROUTES[provider][path] : undefined;
    const upstream = deps.upstreams[provider];
    if (!route || !upstream) {
      log.warn({ method: req.method, path }, 'broker: request outside the supported model APIs refused');
      refuse(
        res,
        provider,
        404,
        route ? 'provider not configured in this app' : `${req.method} ${path} is not supported`,
      );
      return true;
    }

    try {
      await serve({ deps, req, res, provider, route, upstream, query, maxBodyBytes, agents, log });
    } catch (err) {
      // authorize or admit failed (e.g. the job store is down): the agent may retry later.
      log.error({ err }, 'broker: request failed');
      if (!res.headersSent) refuse(res, provider, 500, 'the app could not serve this request');
      else res.destroy();
    }
    return true;
  };
}

interface Serve {
  deps: ModelProxyDeps;
  req: IncomingMessage;
  res: ServerResponse;
  provider: Provider;
  route: Route;
  upstream: Upstream;
  query: string;
  maxBodyBytes: number;
  agents: Forward['agents'];
  log: Logger;
}

async function serve({
  deps,
  req,
  res,
  provider,
  route,
  upstream,
  query,
  maxBodyBytes,
  agents,
  log,
}: Serve): Promise<void> {
  const grant = await authorizeRequest(deps.authorize, req.headers);
  if (!grant) {
    log.warn({ url: req.url }, 'broker: request without a valid capability token refused');
    refuse(res, provider, 401, 'invalid or expired capability token');
    return;
  }
  const glog = log.child({ jobId: grant.jobId });
  const refusal = await deps.admit(grant);
  if (refusal !== undefined) {
    glog.info({ refusal }, 'broker: model call refused');
    refuse(res, provider, 429, refusal);
    return;
  }

  const body = await readBody(req, maxBodyBytes);
  if (body === 'too-large') {
    glog.warn({ url: req.url, maxBodyBytes }, 'broker: request body over the limit refused');
    refuse(res, provider, 413, `request body over ${maxBodyBytes} bytes`);
    return;
  }
  if (body === 'aborted') return;
  let parsed: Record<string, unknown>;
  try {
    const value = JSON.parse(body.toString('utf8')) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    parsed = value as Record<string, unknown>;
  } catch {
    refuse(res, provider, 400, 'request body is not a JSON object');
    return;
  }
  let payload = body;
  // Chat completions streams carry usage only when asked to: without it the run could not be metered.
  if (route.api === 'openai-chat' && parsed.stream === true) {
    const options = (parsed.stream_options ?? {}) as Record<string, unknown>;
    if (options.include_usage !== true) {
      parsed.stream_options = { ...options, include_usage: true };
      payload = Buffer.from(JSON.stringify(parsed));
    }
  }
  const requestModel = typeof parsed.model === 'string' ? parsed.model : undefined;

  forward({
    deps,
    grant,
    provider,
    route,
    req,
    res,
    url: new URL(upstream.baseUrl.replace(/\/+$/, '') + route.upstreamPath + query),
    headers: upstreamHeaders(req.headers, upstream.headers, payload.length),
    payload,
    requestModel,
    agents,
    log: glog,
  });
}

interface Forward {
  deps: ModelProxyDeps;
  grant: Grant;
  provider: Provider;
  route: Route;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  headers: OutgoingHttpHeaders;
  payload: Buffer;
  requestModel: string | undefined;
  agents: { http: http.Agent; https: https.Agent };
  log: Logger;
}

function forward(f: Forward): void {
  const { res, provider, log } = f;
  const secure = f.url.protocol === 'https:';
  const upReq = (secure ? https : http).request(f.url, {
    method: 'POST',
    headers: f.headers,
    agent: secure ? f.agents.https : f.agents.http,
  });
  let agentGone = false;
  // The agent went away: stop the upstream call (and its billing) instead of reading it to the end.
  // (destroy() rather than an AbortSignal: the signal costs a tenth of a millisecond per request.)
  res.on('close', () => {
    if (res.writableFinished) return;
    agentGone = true;
    upReq.destroy();
  });
  upReq.on('error', (err) => {
    if (agentGone) return;
    log.warn({ err: err.message, upstream: f.url.origin }, 'broker: upstream unreachable');
    if (!res.headersSent) refuse(res, provider, 502, `upstream ${f.url.host} unreachable: ${err.message}`);
    else res.destroy();
  });
  upReq.on('response', (upRes) => void relay(f, upRes));
  upReq.end(f.payload);
}

async function relay(f: Forward, upRes: IncomingMessage): Promise<void> {
  const { res, grant, provider, log } = f;
  const status = upRes.statusCode ?? 502;
  // Headers go out with the first chunk: one packet fewer, and the agent waits for events anyway.
  res.writeHead(status, upRes.statusMessage, responseHeaders(upRes.headers));
  if (status >= 400) {
    log.warn({ status, upstream: f.url.origin }, 'broker: upstream error passed on');
    try {
      f.deps.onUpstreamError?.(grant, provider, status);
    } catch (err) {
      log.error({ err }, 'broker: onUpstreamError failed');
    }
  }
  const meter = status < 300 && f.route.api ? meterFor(f.route.api, f.requestModel, upRes.headers, log) : undefined;
  try {
    if (meter) await pipeline(upRes, meter.tap, res);
    else await pipeline(upRes, res);
  } catch (err) {
    // The agent disconnected or the upstream broke off; pipeline has destroyed both ends.
    log.debug({ err: (err as Error).message }, 'broker: stream ended early');
  }
  if (!meter) return;
  const usage = await meter.finish();
  if (!usage) {
    log.warn({ status, path: f.route.upstreamPath }, 'broker: no usage in the model response');
    return;
  }
  log.debug({ usage }, 'broker: usage');
  try {
    f.deps.onUsage(grant, usage);
  } catch (err) {
    log.error({ err }, 'broker: onUsage failed');
  }
}

interface Meter {
  /** Passes every chunk on unchanged, reading usage from a copy. */
  tap: Transform;
  finish(): Promise<MeteredUsage | undefined>;
}

/** Reads usage from the response as it passes: SSE line by line, JSON up to a bound. */
function meterFor(
  api: ModelApi,
  requestModel: string | undefined,
  headers: IncomingHttpHeaders,
  log: Logger,
): Meter | undefined {
  const type = headers['content-type'] ?? '';
  const reader: UsageReader = usageReader(api, requestModel);
  let feed: (chunk: Buffer) => void;
  let end: () => void;
  if (type.includes('text/event-stream')) {
    const lines = new LineSplitter(
      (line) => {
        // Only events that carry usage are parsed: the deltas that make up most of a stream are skipped.
        if (!line.startsWith('data:') || !line.includes('"usage"')) return;
        try {
          reader.event(JSON.parse(line.slice(5)));
        } catch {
          // Not JSON (e.g. `[DONE]`): nothing to read.
        }
      },
      MAX_SSE_LINE,
      () => log.warn('broker: SSE line over the limit not read for usage'),
    );
    feed = (chunk) => lines.push(chunk);
    end = () => lines.end();
  } else if (type.includes('json')) {
    let parts: Buffer[] | undefined = [];
    let size = 0;
    feed = (chunk) => {
      if (!parts) return;
      size += chunk.length;
      if (size > MAX_JSON_BODY) {
        parts = undefined;
        log.warn('broker: JSON response over the limit not read for usage');
      } else parts.push(chunk);
    };
    end = () => {
      if (!parts) return;
      try {
        reader.json(JSON.parse(Buffer.concat(parts, size).toString('utf8')));
      } catch {
        // A truncated or non-JSON body: no usage.
      }
    };
  } else return undefined;

  // The proxy asks for identity, but a gateway may compress anyway: read usage from a decompressed copy.
  const decompress = decompressor(headers['content-encoding']);
  let decoded: Promise<void> = Promise.resolve();
  if (decompress) {
    const inner = feed;
    decompress.on('data', (c: Buffer) => inner(c));
    decoded = new Promise((resolve) => {
      decompress.on('end', resolve);
      decompress.on('error', () => resolve());
      decompress.on('close', resolve);
    });
    feed = (chunk) => decompress.write(chunk);
  }
  const tap = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      feed(chunk);
      callback(null, chunk);
    },
  });
  return {
    tap,
    async finish() {
      if (decompress) {
        decompress.end();
        await decoded;
      }
      end();
      return reader.usage();
    },
  };
}

function decompressor(encoding: string | undefined): Transform | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/** The capability token, from `x-api-key` or `authorization: Bearer` (agents use either for both APIs). */
async function authorizeRequest(authorize: Authorize, headers: IncomingHttpHeaders): Promise<Grant | undefined> {
  const candidates: string[] = [];
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey) candidates.push(apiKey);
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  if (bearer && bearer !== apiKey) candidates.push(bearer);
  for (const token of candidates) {
    const grant = await authorize(token);
    if (grant) return grant;
  }
  return undefined;
}

function upstreamHeaders(
  incoming: IncomingHttpHeaders,
  upstream: Record<string, string>,
  length: number,
): OutgoingHttpHeaders {
  const named = new Set(
    String(incoming.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase()),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || DROP_REQUEST.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  for (const [name, value] of Object.entries(upstream)) out[name.toLowerCase()] = value;
  // Uncompressed, so the usage can be read on the way without decompressing.
  out['accept-encoding'] = 'identity';
  out['content-length'] = length;
  return out;
}

/** The upstream's response headers without the hop-by-hop ones. */
export function responseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined && !DROP_RESPONSE.has(name)) out[name] = value;
  }
  return out;
}

/** Reads the body up to `max` bytes; over it, stops reading at once. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.pause();
        resolve('too-large');
      } else parts.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(parts, size)));
    req.on('error', () => resolve('aborted'));
    req.on('close', () => resolve(req.complete ? Buffer.concat(parts, size) : 'aborted'));
  });
}

const ANTHROPIC_ERROR: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
};

const OPENAI_ERROR: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  404: ['invalid_request_error', 'not_found'],
  413: ['invalid_request_error', 'request_too_large'],
  429: ['insufficient_quota', 'insufficient_quota'],
  500: ['server_error', null],
  502: ['server_error', null],
};

/**
 * An answer of the proxy's own, in the provider's error JSON so the CLI shows the message.
 * `x-should-retry: false` tells the official SDKs not to retry a refusal that will not change.
 */
function refuse(res: ServerResponse, provider: Provider, status: number, message: string): void {
  const body =
    provider === 'anthropic'
      ? { type: 'error', error: { type: ANTHROPIC_ERROR[status] ?? 'api_error', message } }
      : (() => {
          const [type, code] = OPENAI_ERROR[status] ?? ['server_error', null];
          return { error: { message, type, param: null, code } };
        })();
  const text = JSON.stringify(body);
  const headers: OutgoingHttpHeaders = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  };
  if (status < 500) headers['x-should-retry'] = 'false';
  // A refused body may still be arriving: close rather than read it to the end.
  if (status === 413) headers.connection = 'close';
  res.writeHead(status, headers).end(text);
}
