import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { Probot, ProbotOctokit, Server, type ApplicationFunction } from 'probot';
import type { Logger } from 'pino';
import { createLogger } from '../../src/telemetry/logger.js';
import { Redactor } from '../../src/security/redactor.js';

export const privateKey = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;

/** A logger whose lines the test can read (every line the app writes, as text), masked with `redactor`. */
export function captureLogger(redactor = new Redactor()): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger({ level: 'trace', destination, redactor }), lines };
}

/**
 * Probot's Octokit with retries and throttling really off: the function form of `defaults`,
 * because the object form is shallow-merged and leaves throttling on.
 */
function testOctokit() {
  return ProbotOctokit.defaults((o: Record<string, unknown> & { throttle?: object }) => ({
    ...o,
    retry: { enabled: false },
    throttle: { ...o.throttle, enabled: false },
  }));
}

/** A Probot with retries and throttling really off. */
export function testProbot(log: Logger, options: { secret?: string } = {}): Probot {
  return new Probot({
    appId: 1,
    privateKey,
    secret: options.secret ?? 'test-secret',
    log,
    Octokit: testOctokit(),
  });
}

/** A local port free right now (listened on and closed again). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A started Probot webhook `Server` on a free local port, running `appFn` with the test Octokit. */
export async function startTestServer(
  appFn: ApplicationFunction,
  options: { log: Logger; secret: string },
): Promise<{ server: Server; port: number }> {
  const { log, secret } = options;
  const port = await freePort();
  const server = new Server({
    host: '127.0.0.1',
    port,
    log,
    Probot: Probot.defaults({ appId: 1, privateKey, secret, log, Octokit: testOctokit() }),
  });
  await server.load(appFn);
  await server.start();
  return { server, port };
}
