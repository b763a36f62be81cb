import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';

/** The repository root: child processes run `src/main.ts` from here. */
export const root = join(import.meta.dirname, '../..');

export interface AppProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * The real app (`src/main.ts` through tsx) as a child process, resolved once Probot listens.
 * `imports` preloads more modules (e.g. test/helpers/github-unthrottled.ts); `entry` runs
 * another script instead of `src/main.ts` (relative to the repository root); `built` runs the
 * compiled `dist/src/main.js` as `npm start` does (no TypeScript loader, unless `imports` need it).
 */
export async function startAppProcess(
  env: Record<string, string>,
  options: { name?: string; imports?: string[]; entry?: string; built?: boolean } = {},
): Promise<AppProcess> {
  const name = options.name ?? 'the app';
  const loader = options.built && !options.imports?.length ? [] : ['tsx'];
  const preload = [...loader, ...(options.imports ?? [])].flatMap((m) => ['--import', m]);
  const entry = options.entry ?? (options.built ? 'dist/src/main.js' : 'src/main.ts');
  const child = spawn(process.execPath, [...preload, entry], {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const t0 = Date.now();
  while (!/Listening on/.test(out)) {
    if (child.exitCode !== null) throw new Error(`${name} exited at start:\n${out}`);
    if (Date.now() - t0 > 30_000) throw new Error(`${name} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out, exited };
}

/** Polls `check` until it gives a truthy value, which it returns. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Delivers a signed `issue_comment` webhook over HTTP; returns the HTTP status. */
export async function deliver(port: number, secret: string, payload: unknown, id: string): Promise<number> {
  const body = JSON.stringify(payload);
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'issue_comment',
      'x-github-delivery': id,
      'x-hub-signature-256': await sign(secret, body),
    },
    body,
  });
  await res.text();
  return res.status;
}
