import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface GitHubRequest {
  method: string;
  /** Path below the API root (`/repos/...`), query excluded. */
  path: string;
  body: unknown;
}

type Handler = (body: unknown, path: string) => [number, unknown];

/**
 * GitHub's REST API over real HTTP, for tests that run the app as a child process (nock only
 * reaches its own process). The app finds it through GHE_HOST / GHE_PROTOCOL, exactly as it
 * would find a GitHub Enterprise Server, whose API lives under `/api/v3`.
 */
export interface FakeGitHub {
  /** For GHE_HOST. */
  host: string;
  requests: GitHubRequest[];
  lines(): string[];
  bodiesOf(method: string, path: string): unknown[];
  close(): Promise<void>;
}

export async function startFakeGitHub(routes: Record<string, Handler>): Promise<FakeGitHub> {
  const requests: GitHubRequest[] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const path = (req.url ?? '').split('?')[0]!.replace(/^\/api\/v3/, '');
      const body = raw ? safeJson(raw) : undefined;
      const method = req.method ?? 'GET';
      requests.push({ method, path, body });
      const handler = routes[`${method} ${path}`];
      const [status, reply] = handler ? handler(body, path) : [404, { message: `no route for ${method} ${path}` }];
      const text = typeof reply === 'string' ? reply : JSON.stringify(reply);
      res
        .writeHead(status, {
          'content-type': typeof reply === 'string' ? 'text/plain' : 'application/json; charset=utf-8',
        })
        .end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    host: `127.0.0.1:${port}`,
    requests,
    lines: () => requests.map((r) => `${r.method} ${r.path}`),
    bodiesOf: (method, path) => requests.filter((r) => r.method === method && r.path === path).map((r) => r.body),
    close: () => new Promise((r) => server.close(() => r())),
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
