import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The HTTP plumbing the fake model servers share: reading and recording every request, the
 * API key check, listening on a free local port and closing. What each API answers is up to
 * the server built on it.
 */

export interface FakeRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or undefined when the body was empty or not JSON. */
  body: unknown;
}

/** An answer given instead of the API's own (a rate limit, a server error), after the key check. */
export interface FakeFault {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface FakeHttpOptions {
  /** Appended to the origin to make `url` (e.g. `/v1`); none by default. */
  basePath?: string;
  /** When set, every request is checked for this key before `handle` (and recorded either way). */
  apiKey?: string;
  /** Whether a request carries the key; a Bearer token by default. */
  acceptsKey?: (req: IncomingMessage, key: string) => boolean;
  /** Answers a request without the key (the API's 401). */
  unauthorized: (res: ServerResponse) => void;
  /**
   * Answers a recorded request; `raw` is its body as received. `scripted()` counts the request
   * among `conversationRequests()`.
   */
  handle: (request: FakeRequest, res: ServerResponse, raw: string, scripted: () => void) => void;
  /** Answers a request with a fault instead of `handle` when it returns one. */
  fault?: (request: FakeRequest) => FakeFault | undefined;
}

/** What every fake model server offers its tests. */
export interface FakeModelServer {
  /** `http://127.0.0.1:<port>` and the base path, no trailing slash. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: FakeRequest[];
  /** The requests answered with a scripted turn. */
  conversationRequests(): FakeRequest[];
  /** The requests whose response was closed before it was finished (the client went away). */
  readonly unfinished: FakeRequest[];
  close(): Promise<void>;
}

export async function startFakeHttp(options: FakeHttpOptions): Promise<FakeModelServer> {
  const requests: FakeRequest[] = [];
  const conversation = new Set<FakeRequest>();
  const unfinished: FakeRequest[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const request: FakeRequest = { method: req.method ?? 'GET', path, headers: req.headers, body: parseJson(raw) };
      requests.push(request);
      res.on('close', () => {
        if (!res.writableFinished) unfinished.push(request);
      });
      const { apiKey, acceptsKey = hasBearer } = options;
      if (apiKey !== undefined && !acceptsKey(req, apiKey)) return options.unauthorized(res);
      const fault = options.fault?.(request);
      if (fault) return sendJson(res, fault.status, fault.body, fault.headers);
      options.handle(request, res, raw, () => conversation.add(request));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.basePath ?? ''}`,
    requests,
    unfinished,
    conversationRequests: () => requests.filter((r) => conversation.has(r)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Whether the request carries `key` as its Bearer token. */
export function hasBearer(req: IncomingMessage, key: string): boolean {
  return req.headers.authorization === `Bearer ${key}`;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export interface OpenAiFakeOptions {
  /** When set, requests whose Bearer token differs get OpenAI's 401. */
  apiKey: string | undefined;
  /** The path `handle` answers, for POST (e.g. `/v1/responses`). */
  path: string;
  handle: FakeHttpOptions['handle'];
  /** Headers for every JSON answer, made anew for each (e.g. a request id); none by default. */
  headers?: () => Record<string, string>;
  fault?: FakeHttpOptions['fault'];
}

/**
 * What the OpenAI-style fakes share: the `/v1` base URL, the Bearer key check, `GET /v1/models`
 * and OpenAI's error JSON for a bad key or a path not served.
 */
export function startOpenAiFake(options: OpenAiFakeOptions): Promise<FakeModelServer> {
  const headers = () => options.headers?.() ?? {};
  return startFakeHttp({
    basePath: '/v1',
    apiKey: options.apiKey,
    fault: options.fault,
    unauthorized: (res) =>
      sendOpenAiError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key', headers()),
    handle: (request, res, raw, scripted) => {
      const { method, path } = request;
      if (method === 'POST' && path === options.path) return options.handle(request, res, raw, scripted);
      if (method === 'GET' && path === '/v1/models') return sendJson(res, 200, { object: 'list', data: [] }, headers());
      sendOpenAiError(
        res,
        404,
        `${method} ${path} is not served by the fake`,
        'invalid_request_error',
        'not_found',
        headers(),
      );
    },
  });
}

/** OpenAI's error JSON. */
export function sendOpenAiError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { message, type, param: null, code } }, headers);
}

/** A string in two parts, as a streamed delta arrives. */
export function halves(s: string): string[] {
  const mid = Math.ceil(s.length / 2);
  return s.length < 2 ? [s] : [s.slice(0, mid), s.slice(mid)];
}

/** Roughly four characters per token: deterministic, enough for usage assertions. */
export function estimateTokens(s: string): number {
  return Math.max(1, Math.ceil(s.length / 4));
}

export function id(): string {
  return randomBytes(12).toString('hex');
}

function parseJson(raw: string): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', () => resolve(data));
  });
}
