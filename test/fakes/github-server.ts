import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface GitHubRequest {
  method: string;
  /** Path below the API root (`/repos/...`), query excluded. */
  path: string;
  body: unknown;
  /** When it arrived (`performance.now()` of this process). */
  at: number;
  /** The installation whose token it carried (learnt from the access-token answers), if any. */
  installationId?: number;
  /** The HTTP status it was answered with (set once it is answered). */
  status?: number;
}

type Handler = (body: unknown, path: string) => [number, unknown];
/** Status, body and extra headers. */
type Answer = [number, unknown, Record<string, string>?];

export interface FakeGitHubOptions {
  /** Held before every answer (ms), as GitHub's own latency; none by default. */
  latencyMs?: number;
  /**
   * Least time between two writes (POST, PATCH, PUT, DELETE) of one installation's tokens, as
   * GitHub asks of one token. A sooner write is refused as GitHub refuses it: a 403 secondary
   * rate limit with `retry-after: 1`, nothing done, and it counts in `violations`. Off by default.
   */
  writeSpacingMs?: number;
  /** Answers a request no route names (a 404 when it gives nothing). */
  fallback?: (method: string, path: string, body: unknown) => [number, unknown] | undefined;
}

export interface WriteViolation {
  installationId: number;
  method: string;
  path: string;
  /** Time since that installation's previous write (ms). */
  gapMs: number;
  /** When it arrived (`performance.now()`). */
  at: number;
}

/**
 * GitHub's REST API over real HTTP, for tests that run the app as a child process (nock only
 * reaches its own process). The app finds it through GHE_HOST / GHE_PROTOCOL, exactly as it
 * would find a GitHub Enterprise Server, whose API lives under `/api/v3`.
 */
export interface FakeGitHub {
  /** For GHE_HOST. */
  host: string;
  requests: GitHubRequest[];
  /** Writes refused for coming sooner than `writeSpacingMs` after the installation's previous one. */
  violations: WriteViolation[];
  lines(): string[];
  bodiesOf(method: string, path: string): unknown[];
  close(): Promise<void>;
}

const TOKEN_ROUTE = /^\/app\/installations\/(\d+)\/access_tokens$/;

export async function startFakeGitHub(
  routes: Record<string, Handler>,
  options: FakeGitHubOptions = {},
): Promise<FakeGitHub> {
  const requests: GitHubRequest[] = [];
  const violations: WriteViolation[] = [];
  const installationOf = new Map<string, number>();
  const lastWriteAt = new Map<number, number>();
  const server: Server = createServer((req, res) => {
    const at = performance.now();
    void readBody(req).then((raw) => {
      const path = (req.url ?? '').split('?')[0]!.replace(/^\/api\/v3/, '');
      const body = raw ? safeJson(raw) : undefined;
      const method = req.method ?? 'GET';
      const token = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const installationId = token === undefined ? undefined : installationOf.get(token);
      const request: GitHubRequest = {
        method,
        path,
        body,
        at,
        ...(installationId !== undefined && { installationId }),
      };
      requests.push(request);
      let answer: Answer | undefined = refusedWrite(method, path, installationId, at);
      if (!answer) {
        const handler = routes[`${method} ${path}`];
        answer = (handler ? handler(body, path) : options.fallback?.(method, path, body)) ?? [
          404,
          { message: `no route for ${method} ${path}` },
        ];
        const minted = TOKEN_ROUTE.exec(path);
        const reply = answer[1] as { token?: unknown } | undefined;
        if (minted && typeof reply?.token === 'string') installationOf.set(reply.token, Number(minted[1]));
      }
      const [status, reply, headers] = answer;
      const text = typeof reply === 'string' ? reply : JSON.stringify(reply);
      const send = () => {
        request.status = status;
        res
          .writeHead(status, {
            'content-type': typeof reply === 'string' ? 'text/plain' : 'application/json; charset=utf-8',
            ...headers,
          })
          .end(text);
      };
      if (options.latencyMs) setTimeout(send, options.latencyMs);
      else send();
    });
  });

  /** GitHub's secondary rate limit for a write that comes too soon after the installation's previous one. */
  function refusedWrite(
    method: string,
    path: string,
    installationId: number | undefined,
    at: number,
  ): Answer | undefined {
    const spacing = options.writeSpacingMs;
    if (!spacing || installationId === undefined || method === 'GET' || method === 'HEAD') return undefined;
    const last = lastWriteAt.get(installationId);
    if (last !== undefined && at - last < spacing) {
      violations.push({ installationId, method, path, gapMs: at - last, at });
      return [
        403,
        { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
        { 'retry-after': '1' },
      ];
    }
    lastWriteAt.set(installationId, at);
    return undefined;
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    host: `127.0.0.1:${port}`,
    requests,
    violations,
    lines: () => requests.map((r) => `${r.method} ${r.path}`),
    bodiesOf: (method, path) => requests.filter((r) => r.method === method && r.path === path).map((r) => r.body),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req
      .setEncoding('utf8')
      .on('data', (c: string) => (data += c))
      .on('end', () => resolve(data));
  });
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
