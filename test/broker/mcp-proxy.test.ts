import { mkdtempSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/broker.js';
import { mintCapability } from '../../src/broker/capability.js';
import { parseRepoConfig } from '../../src/config/repo-config.js';
import { openJobStore } from '../../src/jobs/store/open.js';
import type { JobStore } from '../../src/jobs/store/types.js';
import { startFakeMcpServer, type FakeMcpServer } from '../fakes/mcp-server.js';
import { aJob } from '../helpers/job.js';

const DOCS_TOKEN = 'docs-secret-token-of-the-app-0001';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request to the app's server, the whole answer read. */
function call(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'POST', headers: opts.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(opts.body === undefined ? undefined : JSON.stringify(opts.body));
  });
}

const rpc = (id: number, method: string, params: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method,
  params,
});
const ACCEPT = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('the broker MCP proxy', () => {
  let store: JobStore;
  let server: Server;
  let app: string;
  let mcp: FakeMcpServer;
  let token: string;
  let jobId: string;
  let appEnv: Record<string, string>;

  async function start(sse: boolean) {
    mcp = await startFakeMcpServer({ sse, authorization: `Bearer ${DOCS_TOKEN}` });
    store = await openJobStore({ dataDir: mkdtempSync(join(tmpdir(), 'issue-agent-mcp-')) });
    const parsed = parseRepoConfig(
      {
        mcp: {
          remote: {
            docs: {
              url: mcp.url,
              headers: { Authorization: { env: 'DOCS_MCP_TOKEN', prefix: 'Bearer ' }, 'X-Client': 'issue-agent' },
            },
          },
        },
      },
      { allowedEnv: ['DOCS_MCP_TOKEN'], sandboxProvider: 'local' },
    );
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const { job } = await store.enqueue({ ...aJob({ config: parsed.config }), createdAt: Date.now() }, 'd-1');
    jobId = job.id;
    await store.claim('w1', 60_000, { global: 1, perInstallation: 1 });
    const cap = mintCapability(job.id);
    await store.record(job.id, { capabilityHash: cap.hash }, 'w1');
    token = cap.token;
    const broker = new Broker({
      store,
      appEnv: (appEnv = { DOCS_MCP_TOKEN: DOCS_TOKEN, MCP_ALLOWED_ENV: 'DOCS_MCP_TOKEN' }),
      mintReadToken: () => Promise.reject(new Error('not in this test')),
      log: pino({ level: 'silent' }),
      endRun: () => false,
    });
    const handler = broker.handler();
    server = createServer((req, res) => {
      void handler(req, res).then((handled) => {
        if (!handled) res.writeHead(404, { 'x-unhandled': '1' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    app = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await mcp.close();
    await store.close();
  });

  const auth = () => ({ ...ACCEPT, authorization: `Bearer ${token}` });

  /** initialize through the broker; the session id the server gave. */
  async function initialize(): Promise<string> {
    const init = await call(`${app}/broker/mcp/docs`, {
      headers: { ...auth(), 'mcp-protocol-version': '2025-06-18' },
      body: rpc(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't' } }),
    });
    expect(init.status).toBe(200);
    const session = init.headers['mcp-session-id'];
    expect(session).toEqual(expect.any(String));
    return session as string;
  }

  describe('with JSON answers', () => {
    beforeEach(() => start(false));

    it('forwards the exchange with the configured headers, never the capability token', async () => {
      const session = await initialize();
      const headers = { ...auth(), 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
      const initialized = await call(`${app}/broker/mcp/docs`, {
        headers,
        body: { jsonrpc: '2.0', method: 'notifications/initialized' },
      });
      expect(initialized.status).toBe(202);
      const listed = await call(`${app}/broker/mcp/docs`, { headers, body: rpc(2, 'tools/list') });
      expect(JSON.parse(listed.body)).toMatchObject({ id: 2, result: { tools: [{ name: 'search' }] } });
      const called = await call(`${app}/broker/mcp/docs`, {
        headers,
        body: rpc(3, 'tools/call', { name: 'search', arguments: { query: 'pager' } }),
      });
      expect(JSON.parse(called.body)).toEqual({
        jsonrpc: '2.0',
        id: 3,
        result: { content: [{ type: 'text', text: 'found: the docs' }], isError: false },
      });
      expect(mcp.calls).toEqual([{ name: 'search', arguments: { query: 'pager' } }]);
      const deleted = await call(`${app}/broker/mcp/docs`, { method: 'DELETE', headers });
      expect(deleted.status).toBe(200);

      expect(mcp.requests.map((r) => [r.method, r.body?.method])).toEqual([
        ['POST', 'initialize'],
        ['POST', 'notifications/initialized'],
        ['POST', 'tools/list'],
        ['POST', 'tools/call'],
        ['DELETE', undefined],
      ]);
      for (const r of mcp.requests) {
        expect(r.headers.authorization).toBe(`Bearer ${DOCS_TOKEN}`);
        expect(r.headers['x-client']).toBe('issue-agent');
        expect(JSON.stringify(r.headers)).not.toContain(token);
      }
      expect(mcp.requests[2]!.headers).toMatchObject({
        'mcp-session-id': session,
        'mcp-protocol-version': '2025-06-18',
      });
    });

    it('streams the GET event stream as the server sends it', async () => {
      const session = await initialize();
      const events: string[] = [];
      let gotEvent: () => void;
      const got = new Promise<void>((resolve) => (gotEvent = resolve));
      const req = request(`${app}/broker/mcp/docs`, {
        method: 'GET',
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', 'mcp-session-id': session },
      });
      const status = new Promise<number>((resolve) =>
        req.on('response', (res) => {
          resolve(res.statusCode ?? 0);
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            events.push(chunk);
            if (chunk.includes('notifications/tools/list_changed')) gotEvent();
          });
        }),
      );
      req.end();
      await mcp.streamOpened();
      expect(await status).toBe(200);
      // The stream is still open (the server never ends it): the event arrives unbuffered.
      mcp.notify('notifications/tools/list_changed');
      await got;
      expect(events.join('')).toContain('data: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}');
      req.destroy();
    });

    it('refuses a request without a valid token, before reaching the server', async () => {
      for (const authorization of [undefined, 'Bearer iacap_nope', `Basic ${token}`]) {
        const res = await call(`${app}/broker/mcp/docs`, {
          headers: { ...ACCEPT, ...(authorization && { authorization }) },
          body: rpc(1, 'tools/list'),
        });
        expect(res.status).toBe(401);
      }
      expect(mcp.requests).toEqual([]);
    });

    it('answers 404 for a server not in the job config', async () => {
      for (const path of ['other', 'constructor', '__proto__', 'docs/extra']) {
        const res = await call(`${app}/broker/mcp/${path}`, { headers: auth(), body: rpc(1, 'tools/list') });
        expect(res.status, path).toBe(404);
      }
      expect(mcp.requests).toEqual([]);
    });

    it('refuses methods outside the transport', async () => {
      const res = await call(`${app}/broker/mcp/docs`, { method: 'PUT', headers: auth(), body: {} });
      expect(res.status).toBe(405);
    });

    it('sends no secret the operator withdrew from MCP_ALLOWED_ENV or unset', async () => {
      appEnv.MCP_ALLOWED_ENV = 'OTHER';
      const withdrawn = await call(`${app}/broker/mcp/docs`, { headers: auth(), body: rpc(1, 'tools/list') });
      expect(withdrawn.status).toBe(502);
      expect(JSON.parse(withdrawn.body)).toEqual({
        error:
          "The app cannot reach the MCP server docs: the app's variable DOCS_MCP_TOKEN is not in its MCP_ALLOWED_ENV.",
      });
      appEnv.MCP_ALLOWED_ENV = 'DOCS_MCP_TOKEN';
      delete appEnv.DOCS_MCP_TOKEN;
      const unset = await call(`${app}/broker/mcp/docs`, { headers: auth(), body: rpc(1, 'tools/list') });
      expect(unset.status).toBe(502);
      expect(mcp.requests).toEqual([]);
    });

    it('refuses the token of a job that has ended', async () => {
      await initialize();
      await store.finish(jobId, 'w1', { kind: 'no-changes', answer: '' });
      const res = await call(`${app}/broker/mcp/docs`, { headers: auth(), body: rpc(2, 'tools/list') });
      expect(res.status).toBe(401);
      expect(mcp.requests).toHaveLength(1);
    });
  });

  describe('with event-stream answers', () => {
    beforeEach(() => start(true));

    it('passes SSE answers to POSTs on unchanged', async () => {
      const session = await initialize();
      const listed = await call(`${app}/broker/mcp/docs`, {
        headers: { ...auth(), 'mcp-session-id': session },
        body: rpc(2, 'tools/list'),
      });
      expect(listed.headers['content-type']).toBe('text/event-stream');
      expect(listed.body).toMatch(/^event: message\ndata: \{"jsonrpc":"2.0","id":2,"result":\{"tools":\[/);
    });
  });
});
