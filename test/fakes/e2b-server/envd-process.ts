import { existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RpcError, ServerStream, sendUnary } from './connect-protocol.js';
import { asRecord, optionalNumber, optionalString, stringArray, stringRecord } from './json.js';
import { PathError, SANDBOX_HOME, toHostPath } from './paths.js';
import { gatewayStart } from './mcp-gateway.js';
import type { FakeProcess } from './process.js';
import type { FakeSandbox } from './sandbox.js';

/** The `process.Process` service of envd. */

export interface StreamOptions {
  /** Caps any client deadline (`Connect-Timeout-Ms`): a short stand-in for the SDK's 60 s default. */
  deadlineCapMs?: number;
}

/** `Start`: spawns the process and streams start, output and end events. */
export function startProcess(
  sandbox: FakeSandbox,
  message: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  options: StreamOptions,
): void {
  const body = asRecord(message);
  const config = asRecord(body.process);
  const cmd = optionalString(config.cmd);
  if (!cmd) throw new RpcError('invalid_argument', 'process.cmd is required');
  if (body.pty !== undefined) throw new RpcError('unimplemented', 'pty is not supported by this fake');
  const cwd = optionalString(config.cwd);
  checkCwd(sandbox, cwd ?? SANDBOX_HOME);
  const asked = {
    cmd,
    args: stringArray(config.args),
    envs: stringRecord(config.envs),
    ...(cwd !== undefined && { cwd }),
  };
  // The SDK starting E2B's MCP gateway: recorded, and answered as the gateway starting (exit 0).
  const gateway = gatewayStart(asked);
  if (gateway) sandbox.mcpGateway = gateway;
  const proc = sandbox.start(
    gateway ? { cmd: '/bin/true', args: [], envs: {} } : asked,
    optionalString(body.tag),
    body.stdin === true,
  );
  attach(sandbox, proc, req, res, options, true);
}

/** `Connect`: re-attaches to a running process; output from now on, then its end. */
export function connectProcess(
  sandbox: FakeSandbox,
  message: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  options: StreamOptions,
): void {
  attach(sandbox, select(sandbox, message), req, res, options, false);
}

export function listProcesses(sandbox: FakeSandbox, res: ServerResponse): void {
  sendUnary(res, {
    processes: [...sandbox.processes.values()].map((p) => ({
      config: {
        cmd: p.config.cmd,
        args: p.config.args,
        envs: p.config.envs,
        ...(p.config.cwd !== undefined && { cwd: p.config.cwd }),
      },
      pid: p.pid,
      ...(p.tag !== undefined && { tag: p.tag }),
    })),
  });
}

export function sendSignal(sandbox: FakeSandbox, message: unknown, res: ServerResponse): void {
  const proc = select(sandbox, message);
  const signal = asRecord(message).signal;
  // protobuf JSON sends enums by name; numbers are accepted too.
  if (signal === 'SIGNAL_SIGKILL' || signal === 9) proc.signal('SIGKILL');
  else if (signal === 'SIGNAL_SIGTERM' || signal === 15) proc.signal('SIGTERM');
  else throw new RpcError('invalid_argument', `unsupported signal ${String(signal)}`);
  sendUnary(res, {});
}

export function sendInput(sandbox: FakeSandbox, message: unknown, res: ServerResponse): void {
  const proc = select(sandbox, message);
  const stdin = optionalString(asRecord(asRecord(message).input).stdin);
  if (stdin === undefined) throw new RpcError('invalid_argument', 'only stdin input is supported');
  proc.writeStdin(Buffer.from(stdin, 'base64'));
  sendUnary(res, {});
}

export function closeStdin(sandbox: FakeSandbox, message: unknown, res: ServerResponse): void {
  select(sandbox, message).closeStdin();
  sendUnary(res, {});
}

function select(sandbox: FakeSandbox, message: unknown): FakeProcess {
  const selector = asRecord(asRecord(message).process);
  const pid = optionalNumber(selector.pid);
  const tag = optionalString(selector.tag);
  const proc =
    pid !== undefined
      ? sandbox.processes.get(pid)
      : [...sandbox.processes.values()].find((p) => tag !== undefined && p.tag === tag);
  if (!proc || !proc.running)
    throw new RpcError('not_found', `process with ${pid !== undefined ? `pid ${pid}` : `tag ${tag}`} not found`);
  return proc;
}

function checkCwd(sandbox: FakeSandbox, cwd: string): void {
  let host: string;
  try {
    host = toHostPath(sandbox.dir, cwd);
  } catch (err) {
    if (err instanceof PathError) return; // elsewhere on the host: let the process itself fail
    throw err;
  }
  if (!existsSync(host) || !statSync(host).isDirectory()) {
    throw new RpcError('invalid_argument', `error starting process: chdir ${cwd}: no such file or directory`);
  }
}

/** Streams a process's events to one client, with keepalives and the client's deadline. */
function attach(
  sandbox: FakeSandbox,
  proc: FakeProcess,
  req: IncomingMessage,
  res: ServerResponse,
  options: StreamOptions,
  ownsProcess: boolean,
): void {
  const stream = new ServerStream(res);
  sandbox.streams.add(stream);
  stream.send({ event: { start: { pid: proc.pid } } });

  const keepaliveSeconds = Number(req.headers['keepalive-ping-interval']);
  const keepalive =
    keepaliveSeconds > 0
      ? setInterval(() => stream.send({ event: { keepalive: {} } }), keepaliveSeconds * 1000).unref()
      : undefined;

  const requested = Number(req.headers['connect-timeout-ms']);
  const deadlineMs = requested > 0 ? Math.min(requested, options.deadlineCapMs ?? requested) : undefined;
  // envd runs the process under the request's deadline: when it passes the process is killed,
  // whether or not the client (which enforces the same deadline) is still listening.
  const deadline =
    deadlineMs !== undefined
      ? setTimeout(() => {
          detach();
          if (ownsProcess) proc.signal('SIGKILL');
          stream.end(new RpcError('deadline_exceeded', 'context deadline exceeded'));
        }, deadlineMs).unref()
      : undefined;

  const unsubscribe = proc.subscribe((event) => {
    stream.send({ event });
    if ('end' in event) {
      detach();
      clearTimeout(deadline);
      stream.end();
    }
  });

  function detach(): void {
    unsubscribe();
    clearInterval(keepalive);
    sandbox.streams.delete(stream);
  }
  // A client that goes away detaches; the process keeps running (it can be re-attached with Connect).
  res.on('close', detach);
}
