import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../helpers/app-process.js';
import { privateKey } from '../helpers/probot.js';

/**
 * Start-up errors as an operator meets them: the app (src/main.ts through tsx) stops with one
 * line on stderr naming the variable, and a non-zero exit; no stack trace, no value.
 */

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const t0 = Date.now();
  const exited = new Promise<{ code: number | null; ms: number }>((r) =>
    child.on('exit', (code) => r({ code, ms: Date.now() - t0 })),
  );
  return { child, exited, stdout: () => out, stderr: () => err };
}

/** The exit, or 'still running' (and the process killed) after `ms`. */
async function exitWithin(app: ReturnType<typeof start>, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), ms)));
  const result = await Promise.race([app.exited, timeout]);
  clearTimeout(timer);
  app.child.kill('SIGKILL');
  return result;
}

const STACK_LINE = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

async function baseEnv(): Promise<Record<string, string>> {
  return {
    APP_ID: '1',
    WEBHOOK_SECRET: 'whsec-start-errors',
    SANDBOX_PROVIDER: 'local',
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'issue-agent-start-errors-')),
  };
}

describe('start-up errors', () => {
  it.each([
    ['garbage', 'not-a-key-at-all-0123456789'],
    [
      'a PEM whose body is not a key',
      '-----BEGIN RSA PRIVATE KEY-----\\nbm90IGEga2V5IDAxMjM0NTY3ODk=\\n-----END RSA PRIVATE KEY-----',
    ],
  ])(
    'a malformed PRIVATE_KEY (%s) in development: one line naming it, exit 1, never the registration page',
    async (_what, key) => {
      const app = start({ ...(await baseEnv()), NODE_ENV: 'development', PRIVATE_KEY: key });
      const result = await exitWithin(app, 60_000);
      expect(result, app.stdout() + app.stderr()).toMatchObject({ code: 1 });
      const err = app.stderr().trim();
      expect(err.split('\n')).toHaveLength(1);
      expect(err).toMatch(/^Invalid environment: PRIVATE_KEY: /);
      expect(err).not.toContain('0123456789');
      expect(app.stdout() + err).not.toMatch(STACK_LINE);
      expect(app.stdout()).not.toMatch(/setup mode|registration page|Listening on|job store open/);
    },
    90_000,
  );

  it('an unreachable DATABASE_URL: retried for a bounded time, then one line naming DATABASE_URL and host:port, never the password', async () => {
    const dbPort = await freePort(); // closed: nothing listens there
    const password = 'pg-pass-do-not-print-0123';
    const app = start({
      ...(await baseEnv()),
      NODE_ENV: 'test',
      PRIVATE_KEY: privateKey,
      DATABASE_URL: `postgres://app:${password}@127.0.0.1:${dbPort}/jobs`,
    });
    const result = await exitWithin(app, 80_000);
    expect(result, app.stdout() + app.stderr()).toMatchObject({ code: 1 });
    if (result === 'still running') return;
    // Backoff for about 30 s, not one attempt, not forever.
    expect(result.ms).toBeGreaterThan(25_000);
    expect(result.ms).toBeLessThan(60_000);
    expect(app.stdout()).toMatch(/the database is not reachable yet: trying again/);
    const err = app.stderr().trim();
    expect(err).toBe(
      `DATABASE_URL: cannot reach the database at 127.0.0.1:${dbPort} (ECONNREFUSED); gave up after 30 s`,
    );
    expect(app.stdout() + err).not.toContain(password);
    expect(app.stdout() + err).not.toMatch(STACK_LINE);
    expect(app.stdout()).not.toMatch(/Listening on/);
  }, 100_000);
});
