import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { Probot, ProbotOctokit } from 'probot';
import type { Logger } from 'pino';
import { createLogger } from '../../src/log/logger.js';

export const privateKey = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;

/** A logger whose lines the test can read (every line the app writes, as text). */
export function captureLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger({ level: 'trace', destination }), lines };
}

/** A Probot with retries and throttling really off (see STACK-NOTES: the object form is merged away). */
export function testProbot(log: Logger, options: { secret?: string } = {}): Probot {
  return new Probot({
    appId: 1,
    privateKey,
    secret: options.secret ?? 'test-secret',
    log,
    Octokit: ProbotOctokit.defaults((o: Record<string, unknown> & { throttle?: object }) => ({
      ...o,
      retry: { enabled: false },
      throttle: { ...o.throttle, enabled: false },
    })),
  });
}
