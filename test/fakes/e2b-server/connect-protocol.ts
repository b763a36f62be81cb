import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The server half of the Connect protocol (https://connectrpc.com/docs/protocol), JSON codec
 * only: the e2b SDK builds its envd transport with `useBinaryFormat: false`, so that is all
 * a stand-in has to speak.
 *
 * - Unary: `Content-Type: application/json`, the body is the bare message; an error is a
 *   non-200 status with `{ code, message }`.
 * - Server streaming: `Content-Type: application/connect+json`; request and response bodies are
 *   envelopes (1 flag byte, 4-byte big-endian length, payload). The last response envelope has
 *   flag 0x02 and carries `{}` or `{ error: { code, message } }`.
 */

export type ConnectCode =
  | 'canceled'
  | 'unknown'
  | 'invalid_argument'
  | 'deadline_exceeded'
  | 'not_found'
  | 'already_exists'
  | 'permission_denied'
  | 'resource_exhausted'
  | 'failed_precondition'
  | 'aborted'
  | 'out_of_range'
  | 'unimplemented'
  | 'internal'
  | 'unavailable'
  | 'data_loss'
  | 'unauthenticated';

/** The HTTP status the Connect spec assigns to each code (used for unary errors). */
const HTTP_STATUS: Record<ConnectCode, number> = {
  canceled: 499,
  unknown: 500,
  invalid_argument: 400,
  deadline_exceeded: 504,
  not_found: 404,
  already_exists: 409,
  permission_denied: 403,
  resource_exhausted: 429,
  failed_precondition: 400,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500,
  unauthenticated: 401,
};

export class RpcError extends Error {
  constructor(
    readonly code: ConnectCode,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

const END_STREAM_FLAG = 0b10;

export function isStreamingRequest(req: IncomingMessage): boolean {
  return /^application\/connect\+json/i.test(req.headers['content-type'] ?? '');
}

/** Reads the single request message of a unary or server-streaming call. */
export function decodeRequestMessage(req: IncomingMessage, body: Buffer): unknown {
  let json: Buffer = body;
  if (isStreamingRequest(req)) {
    if (body.length < 5) throw new RpcError('invalid_argument', 'missing request envelope');
    const length = body.readUInt32BE(1);
    json = body.subarray(5, 5 + length);
  }
  if (json.length === 0) return {};
  try {
    return JSON.parse(json.toString('utf8')) as unknown;
  } catch {
    throw new RpcError('invalid_argument', 'request body is not JSON');
  }
}

function envelope(flags: number, payload: unknown): Buffer {
  const data = Buffer.from(JSON.stringify(payload), 'utf8');
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(data.length, 1);
  return Buffer.concat([head, data]);
}

export function sendUnary(res: ServerResponse, message: unknown): void {
  const body = JSON.stringify(message);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendUnaryError(res: ServerResponse, err: RpcError): void {
  const body = JSON.stringify({ code: err.code, message: err.message });
  res.writeHead(HTTP_STATUS[err.code], {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * One server-streaming response. `mute()` stops all further output while keeping the
 * connection open: that is how a sandbox that vanished behind a proxy which keeps the client
 * connection alive looks from the outside.
 */
export class ServerStream {
  private finished = false;
  private muted = false;

  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, { 'content-type': 'application/connect+json' });
    // Headers go out now, so the client's handshake completes before the first event.
    res.flushHeaders();
  }

  get closed(): boolean {
    return this.finished || this.res.destroyed || this.res.writableEnded;
  }

  send(message: unknown): void {
    if (this.closed || this.muted) return;
    this.res.write(envelope(0, message));
  }

  end(error?: RpcError): void {
    if (this.closed || this.muted) return;
    this.finished = true;
    this.res.end(envelope(END_STREAM_FLAG, error ? { error: { code: error.code, message: error.message } } : {}));
  }

  mute(): void {
    this.muted = true;
  }

  /** Drops the connection without an end-of-stream, as a dying VM does. */
  drop(): void {
    this.finished = true;
    this.res.socket?.destroy();
    this.res.destroy();
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
