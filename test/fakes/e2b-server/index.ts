import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleControlPlane, type ControlPlaneState } from './control-plane.js';
import { handleEnvd } from './envd.js';
import { detectIsolation, type IsolationMode } from './isolation.js';
import { FakeSandbox, type DeathMode } from './sandbox.js';

export type { DeathMode, FakeSandbox } from './sandbox.js';
export type { IsolationMode } from './isolation.js';
export { SANDBOX_HOME } from './paths.js';

/**
 * A local stand-in for E2B that the real `e2b` SDK talks to: point it at `apiUrl` (control
 * plane) and `sandboxUrl` (envd) with `new E2B({ apiKey, apiUrl, sandboxUrl })` or the
 * `E2B_API_URL` / `E2B_SANDBOX_URL` variables. Sandboxes are directories with real processes
 * (see isolation.ts for how `/home` is kept off the host). Faults can be injected per call.
 */

export interface FakeE2BOptions {
  /** The key the control plane accepts; a random `e2b_…` by default. */
  apiKey?: string;
  /** Templates that exist; any name is accepted when omitted. */
  templates?: string[];
  /** Answer 429 once this many sandboxes are alive (E2B's concurrency limit). */
  maxConcurrent?: number;
  /** Multiplies sandbox lifetimes (E2B counts in seconds); 0.1 turns a 1 s timeout into 100 ms. */
  timeScale?: number;
  /**
   * Caps every command deadline a client sends (`Connect-Timeout-Ms`). With 300, the SDK's
   * 60 s default command timeout kills a command after 300 ms, so a test can show which
   * commands run under that default and which run with none.
   */
  deadlineCapMs?: number;
  /** Directories put in front of PATH in the sandboxes' login shells. */
  pathPrefix?: string[];
  /** Forces an isolation mode; detected by default. */
  isolation?: IsolationMode;
  /** Reported envd version; decides which SDK code paths run. */
  envdVersion?: string;
}

export interface RecordedRequest {
  plane: 'api' | 'envd';
  method: string;
  /** Path with query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON (or Connect message) body; undefined otherwise. */
  body: unknown;
}

export interface FakeE2B {
  readonly apiUrl: string;
  readonly sandboxUrl: string;
  readonly apiKey: string;
  readonly isolation: IsolationMode;
  /** Host directory holding one subdirectory per live sandbox. */
  readonly root: string;
  readonly requests: RecordedRequest[];
  /** Live (running or paused) sandboxes. */
  sandboxes(): FakeSandbox[];
  sandbox(id: string): FakeSandbox | undefined;
  /** The next `times` creates fail with this status and message. */
  failCreate(status: number, options?: { times?: number; message?: string; retryAfterSeconds?: number }): void;
  /** The next create answers only after `ms` (the sandbox is still created). */
  delayCreate(ms: number): void;
  /** The sandbox dies at once, as if its VM crashed. */
  crash(id: string, mode?: DeathMode): void;
  close(): Promise<void>;
}

const DEFAULT_MESSAGES: Record<number, string> = {
  401: 'Invalid API key, please visit https://e2b.dev/docs/api-key for more information.',
  429: 'Rate limit exceeded, please try again later.',
  500: 'Internal server error',
  503: 'No capacity to place the sandbox right now, please retry',
};

export async function startFakeE2B(options: FakeE2BOptions = {}): Promise<FakeE2B> {
  const isolation = options.isolation ?? detectIsolation();
  const root = mkdtempSync(join(tmpdir(), 'e2b-fake-'));
  const requests: RecordedRequest[] = [];
  const registry = new Map<string, FakeSandbox>();

  const state: ControlPlaneState = {
    apiKey: options.apiKey ?? `e2b_${randomBytes(20).toString('hex')}`,
    root,
    envdVersion: options.envdVersion ?? '0.5.7',
    templates: options.templates ? new Set(options.templates) : undefined,
    maxConcurrent: options.maxConcurrent,
    timeScale: options.timeScale ?? 1,
    registry,
    createFaults: [],
    createDelaysMs: [],
    newSandbox: (init) =>
      new FakeSandbox({
        ...init,
        isolation,
        pathPrefix: options.pathPrefix ?? [],
        onGone: (s) => registry.delete(s.id),
      }),
    record: (entry) => requests.push({ plane: 'api', ...entry }),
  };

  const api = await listen((req, res) => handleControlPlane(req, res, state));
  const envd = await listen((req, res) =>
    handleEnvd(req, res, {
      sandbox: (id) => registry.get(id),
      record: (entry) => requests.push({ plane: 'envd', ...entry }),
      streamOptions: { ...(options.deadlineCapMs !== undefined && { deadlineCapMs: options.deadlineCapMs }) },
    }),
  );

  return {
    apiUrl: api.url,
    sandboxUrl: envd.url,
    apiKey: state.apiKey,
    isolation,
    root,
    requests,
    sandboxes: () => [...registry.values()],
    sandbox: (id) => registry.get(id),
    failCreate(status, { times = 1, message = DEFAULT_MESSAGES[status] ?? `error ${status}`, retryAfterSeconds } = {}) {
      for (let i = 0; i < times; i++)
        state.createFaults.push({ status, message, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) });
    },
    delayCreate(ms) {
      state.createDelaysMs.push(ms);
    },
    crash(id, mode = 'drop') {
      registry.get(id)?.die(mode);
    },
    async close() {
      for (const sandbox of [...registry.values()]) sandbox.die('drop');
      await Promise.all([api.close(), envd.close()]);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 500, message: err instanceof Error ? err.message : String(err) }));
      } else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Streams that went silent would keep close() waiting forever.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
