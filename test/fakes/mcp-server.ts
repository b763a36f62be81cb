import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A remote MCP server over streamable HTTP (MCP 2025-03-26 / 2025-06-18), as small as a client
 * needs: `initialize` (answered with an `Mcp-Session-Id`), `notifications/initialized`,
 * `tools/list`, `tools/call` of its one tool, the GET event stream and DELETE of the session.
 * It records every request (method, headers, JSON-RPC body) so tests can see what reached it.
 * With `sse: true`, requests are answered as an event stream (one `message` event), as servers
 * may do whenever the client accepts `text/event-stream`.
 */
export interface FakeMcpServer {
  url: string;
  requests: { method: string; headers: IncomingHttpHeaders; body?: JsonRpc }[];
  /** Arguments of every `tools/call` that reached the server. */
  calls: { name: string; arguments: unknown }[];
  /** Sends an event on every open GET stream (a server-initiated notification). */
  notify(method: string): void;
  /** Resolves once a GET stream is open. */
  streamOpened(): Promise<void>;
  close(): Promise<void>;
}

interface JsonRpc {
  jsonrpc: '2.0';
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
}

export interface FakeMcpOptions {
  /** The one tool: its name and the text `tools/call` answers. */
  tool?: { name: string; description: string; answer: string };
  /** Answer requests as an event stream. */
  sse?: boolean;
  /** Only requests with this Authorization header are served; others get 401. */
  authorization?: string;
}

export async function startFakeMcpServer(options: FakeMcpOptions = {}): Promise<FakeMcpServer> {
  const tool = options.tool ?? { name: 'search', description: 'Searches the docs.', answer: 'found: the docs' };
  const requests: FakeMcpServer['requests'] = [];
  const calls: FakeMcpServer['calls'] = [];
  const streams = new Set<ServerResponse>();
  const sessions = new Set<string>();
  let onStream: (() => void) | undefined;
  const opened = new Promise<void>((resolve) => (onStream = resolve));

  const answer = (res: ServerResponse, headers: Record<string, string>, message: unknown) => {
    if (options.sse) {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.end(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    } else {
      res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(message));
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = req.method === 'POST' ? await readBody(req) : '';
    const body = raw ? (JSON.parse(raw) as JsonRpc) : undefined;
    requests.push({ method: req.method ?? '', headers: req.headers, ...(body && { body }) });
    if (options.authorization !== undefined && req.headers.authorization !== options.authorization) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    const session = req.headers['mcp-session-id'];
    if (req.method === 'GET') {
      if (typeof session !== 'string' || !sessions.has(session)) return void res.writeHead(400).end();
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(': stream open\n\n');
      streams.add(res);
      res.on('close', () => streams.delete(res));
      onStream?.();
      return;
    }
    if (req.method === 'DELETE') {
      if (typeof session === 'string') sessions.delete(session);
      return void res.writeHead(200).end();
    }
    if (req.method !== 'POST' || !body) return void res.writeHead(405).end();
    if (body.method === 'initialize') {
      const id = randomUUID();
      sessions.add(id);
      const version = typeof body.params?.protocolVersion === 'string' ? body.params.protocolVersion : '2025-06-18';
      answer(
        res,
        { 'mcp-session-id': id },
        {
          jsonrpc: '2.0',
          id: body.id,
          result: {
            protocolVersion: version,
            capabilities: { tools: { listChanged: false } },
            serverInfo: { name: 'fake-mcp', version: '1.0.0' },
          },
        },
      );
      return;
    }
    if (typeof session !== 'string' || !sessions.has(session)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"unknown session"}');
      return;
    }
    // Notifications and responses: accepted, nothing to answer.
    if (body.id === undefined) return void res.writeHead(202).end();
    switch (body.method) {
      case 'tools/list':
        answer(
          res,
          {},
          {
            jsonrpc: '2.0',
            id: body.id,
            result: {
              tools: [
                {
                  name: tool.name,
                  description: tool.description,
                  inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
                },
              ],
            },
          },
        );
        return;
      case 'tools/call': {
        const name = String(body.params?.name);
        calls.push({ name, arguments: body.params?.arguments });
        const result =
          name === tool.name
            ? { content: [{ type: 'text', text: tool.answer }], isError: false }
            : { content: [{ type: 'text', text: `unknown tool ${name}` }], isError: true };
        answer(res, {}, { jsonrpc: '2.0', id: body.id, result });
        return;
      }
      case 'ping':
        answer(res, {}, { jsonrpc: '2.0', id: body.id, result: {} });
        return;
      default:
        answer(res, {}, { jsonrpc: '2.0', id: body.id, error: { code: -32601, message: 'Method not found' } });
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(400).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    requests,
    calls,
    notify(method) {
      for (const s of streams) s.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method })}\n\n`);
    },
    streamOpened: () => opened,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
