import {
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { RpcError, sendUnary } from './connect-protocol.js';
import { asRecord, optionalNumber, optionalString, sendApiError, sendJson } from './json.js';
import { MCP_TOKEN_PATH } from './mcp-gateway.js';
import { parseMultipart } from './multipart.js';
import { PathError, SANDBOX_HOME, toHostPath, toSandboxPath } from './paths.js';
import type { FakeSandbox } from './sandbox.js';

/** envd's file transfer (`GET|POST /files`) and the `filesystem.Filesystem` service. */

export function downloadFile(sandbox: FakeSandbox, url: URL, res: ServerResponse): void {
  const path = url.searchParams.get('path');
  if (!path) return sendApiError(res, 400, 'path is required');
  if (path === MCP_TOKEN_PATH && sandbox.mcpGateway) {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    return void res.end(sandbox.mcpGateway.token);
  }
  const host = hostPathOrReply(sandbox, path, res);
  if (host === undefined) return;
  const stats = statOrUndefined(host);
  if (!stats) return sendApiError(res, 404, `path '${path}' does not exist`);
  if (stats.isDirectory()) return sendApiError(res, 400, `path '${path}' is a directory`);
  const data = readFileSync(host);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
  res.end(data);
}

export function uploadFiles(
  sandbox: FakeSandbox,
  url: URL,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
): void {
  const contentType = req.headers['content-type'] ?? '';
  const queryPath = url.searchParams.get('path') ?? undefined;
  let files: Array<{ path: string | undefined; data: Buffer }>;
  if (contentType.startsWith('multipart/form-data')) {
    files = parseMultipart(body, contentType)
      .filter((part) => part.name === 'file')
      .map((part) => ({ path: queryPath ?? part.filename, data: part.data }));
  } else {
    files = [{ path: queryPath, data: req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body }];
  }
  const written: Array<{ name: string; type: 'file'; path: string }> = [];
  for (const file of files) {
    if (!file.path) return sendApiError(res, 400, 'path is required');
    const host = hostPathOrReply(sandbox, file.path, res);
    if (host === undefined) return;
    mkdirSync(dirname(host), { recursive: true });
    writeFileSync(host, file.data);
    written.push({ name: basename(host), type: 'file', path: toSandboxPath(sandbox.dir, host) });
  }
  sendJson(res, 200, written);
}

export function stat(sandbox: FakeSandbox, message: unknown, res: ServerResponse): void {
  const path = requiredPath(message);
  const host = rpcHostPath(sandbox, path);
  const stats = statOrUndefined(host);
  if (!stats) throw new RpcError('not_found', `no such file or directory: ${path}`);
  sendUnary(res, { entry: entryInfo(sandbox, host, stats) });
}

export function listDir(sandbox: FakeSandbox, message: unknown, res: ServerResponse): void {
  const path = requiredPath(message);
  const depth = optionalNumber(asRecord(message).depth) ?? 1;
  const host = rpcHostPath(sandbox, path);
  const stats = statOrUndefined(host);
  if (!stats) throw new RpcError('not_found', `no such file or directory: ${path}`);
  if (!stats.isDirectory()) throw new RpcError('invalid_argument', `path is not a directory: ${path}`);
  const entries: unknown[] = [];
  const walk = (dir: string, level: number) => {
    for (const name of readdirSync(dir).sort()) {
      const child = join(dir, name);
      const childStats = lstatSync(child);
      entries.push(entryInfo(sandbox, child, childStats));
      if (childStats.isDirectory() && level < depth) walk(child, level + 1);
    }
  };
  walk(host, 1);
  sendUnary(res, { entries });
}

export function makeDir(sandbox: FakeSandbox, message: unknown, res: ServerResponse): void {
  const path = requiredPath(message);
  const host = rpcHostPath(sandbox, path);
  if (statOrUndefined(host)) throw new RpcError('already_exists', `directory already exists: ${path}`);
  mkdirSync(host, { recursive: true });
  sendUnary(res, { entry: entryInfo(sandbox, host, lstatSync(host)) });
}

export function remove(sandbox: FakeSandbox, message: unknown, res: ServerResponse): void {
  rmSync(rpcHostPath(sandbox, requiredPath(message)), { recursive: true, force: true });
  sendUnary(res, {});
}

export function move(sandbox: FakeSandbox, message: unknown, res: ServerResponse): void {
  const body = asRecord(message);
  const source = optionalString(body.source);
  const destination = optionalString(body.destination);
  if (!source || !destination) throw new RpcError('invalid_argument', 'source and destination are required');
  const from = rpcHostPath(sandbox, source);
  const to = rpcHostPath(sandbox, destination);
  if (!statOrUndefined(from)) throw new RpcError('not_found', `no such file or directory: ${source}`);
  mkdirSync(dirname(to), { recursive: true });
  renameSync(from, to);
  sendUnary(res, { entry: entryInfo(sandbox, to, lstatSync(to)) });
}

function requiredPath(message: unknown): string {
  const path = optionalString(asRecord(message).path);
  if (!path) throw new RpcError('invalid_argument', 'path is required');
  return path;
}

function rpcHostPath(sandbox: FakeSandbox, path: string): string {
  try {
    return toHostPath(sandbox.dir, path);
  } catch (err) {
    if (err instanceof PathError) throw new RpcError('invalid_argument', err.message);
    throw err;
  }
}

function hostPathOrReply(sandbox: FakeSandbox, path: string, res: ServerResponse): string | undefined {
  try {
    return toHostPath(sandbox.dir, path);
  } catch (err) {
    if (err instanceof PathError) {
      sendApiError(res, 400, err.message);
      return undefined;
    }
    throw err;
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** `filesystem.EntryInfo` in protobuf JSON (int64 as string, enum by name, timestamp as RFC 3339). */
function entryInfo(sandbox: FakeSandbox, host: string, stats: Stats): Record<string, unknown> {
  const type = stats.isDirectory()
    ? 'FILE_TYPE_DIRECTORY'
    : stats.isSymbolicLink()
      ? 'FILE_TYPE_SYMLINK'
      : 'FILE_TYPE_FILE';
  return {
    name: basename(host),
    type,
    path: toSandboxPath(sandbox.dir, host) || SANDBOX_HOME,
    size: String(stats.size),
    mode: stats.mode & 0o7777,
    permissions: permissions(stats),
    owner: 'user',
    group: 'user',
    modifiedTime: stats.mtime.toISOString(),
    ...(stats.isSymbolicLink() && { symlinkTarget: readlinkSync(host) }),
  };
}

/** Go's `FileMode.String()`, e.g. `-rw-r--r--` or `drwxr-xr-x`. */
function permissions(stats: Stats): string {
  const kind = stats.isDirectory() ? 'd' : stats.isSymbolicLink() ? 'L' : '-';
  const bits = 'rwxrwxrwx';
  let out = kind;
  for (let i = 0; i < 9; i++) out += stats.mode & (1 << (8 - i)) ? bits[i] : '-';
  return out;
}
