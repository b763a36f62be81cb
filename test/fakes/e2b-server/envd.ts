import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  RpcError,
  ServerStream,
  decodeRequestMessage,
  isStreamingRequest,
  readBody,
  sendUnaryError,
} from './connect-protocol.js';
import * as files from './envd-files.js';
import * as processes from './envd-process.js';
import { sendEmpty, sendJson } from './json.js';
import type { FakeSandbox } from './sandbox.js';

/**
 * envd, the daemon inside every sandbox. Real E2B routes a request to the right sandbox by
 * host name (`49983-<id>.e2b.app`) or, through `sandboxUrl`, by the `E2b-Sandbox-Id` header;
 * the SDK always sends the header, so that is what this fake routes by. Requests are
 * authorized by the sandbox's `X-Access-Token`.
 */

export interface EnvdDeps {
  sandbox(id: string): FakeSandbox | undefined;
  record(entry: { method: string; path: string; headers: IncomingMessage['headers']; body: unknown }): void;
  streamOptions: processes.StreamOptions;
}

type Unary = (sandbox: FakeSandbox, message: unknown, res: ServerResponse) => void;
type Streaming = (
  sandbox: FakeSandbox,
  message: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  options: processes.StreamOptions,
) => void;

const UNARY: Record<string, Unary> = {
  '/process.Process/List': (sandbox, _message, res) => processes.listProcesses(sandbox, res),
  '/process.Process/SendSignal': processes.sendSignal,
  '/process.Process/SendInput': processes.sendInput,
  '/process.Process/CloseStdin': processes.closeStdin,
  '/filesystem.Filesystem/Stat': files.stat,
  '/filesystem.Filesystem/ListDir': files.listDir,
  '/filesystem.Filesystem/MakeDir': files.makeDir,
  '/filesystem.Filesystem/Remove': files.remove,
  '/filesystem.Filesystem/Move': files.move,
};

const STREAMING: Record<string, Streaming> = {
  '/process.Process/Start': processes.startProcess,
  '/process.Process/Connect': processes.connectProcess,
};

export async function handleEnvd(req: IncomingMessage, res: ServerResponse, deps: EnvdDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://envd');
  const body = await readBody(req);
  const id = headerValue(req, 'e2b-sandbox-id');
  const sandbox = id ? deps.sandbox(id) : undefined;
  const rpc = url.pathname in UNARY || url.pathname in STREAMING;
  let message: unknown;
  try {
    message = rpc ? decodeRequestMessage(req, body) : undefined;
  } catch {
    message = undefined;
  }
  deps.record({ method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers, body: message });

  // What E2B's edge proxy answers for a sandbox that does not exist (any more) or is paused.
  if (!sandbox || sandbox.state !== 'running') {
    return sendJson(res, 502, { code: 502, message: 'The sandbox was not found', sandboxId: id ?? '' });
  }
  if (headerValue(req, 'x-access-token') !== sandbox.envdAccessToken) {
    if (rpc) return sendUnaryError(res, new RpcError('unauthenticated', 'invalid access token'));
    return sendJson(res, 401, { code: 401, message: 'invalid access token' });
  }

  if (url.pathname === '/health' && req.method === 'GET') return sendEmpty(res, 204);
  if (url.pathname === '/files' && req.method === 'GET') return files.downloadFile(sandbox, url, res);
  if (url.pathname === '/files' && req.method === 'POST') return files.uploadFiles(sandbox, url, req, body, res);

  const streaming = STREAMING[url.pathname];
  const unary = UNARY[url.pathname];
  try {
    if (streaming) return streaming(sandbox, message, req, res, deps.streamOptions);
    if (unary) return unary(sandbox, message, res);
    throw new RpcError('unimplemented', `${url.pathname} is not implemented by this fake`);
  } catch (err) {
    const rpcError =
      err instanceof RpcError ? err : new RpcError('internal', err instanceof Error ? err.message : String(err));
    // A streaming call reports errors in its end-of-stream message, with HTTP 200.
    if (isStreamingRequest(req) && !res.headersSent) return new ServerStream(res).end(rpcError);
    if (!res.headersSent) return sendUnaryError(res, rpcError);
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
