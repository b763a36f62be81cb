import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** `npm start` as a maintainer runs it: the real entry point, its build step and Probot's server. */
const root = join(import.meta.dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, output: () => out };
}

describe('npm start', () => {
  it('stops at start with one message naming every bad variable, and no value', async () => {
    const secret = 'sk-ant-do-not-print-0123456789';
    const app = start({ APP_ID: 'not-a-number', ANTHROPIC_API_KEY: secret, ANTHROPIC_BASE_URL: 'ftp://gateway', MAX_CONCURRENT_JOBS: '0', SANDBOX_PROVIDER: 'docker', WEBHOOK_SECRET: 'whsec_0123456789' });
    expect(await app.exited).toBe(1);
    const out = app.output();
    for (const name of ['APP_ID', 'PRIVATE_KEY', 'ANTHROPIC_BASE_URL', 'MAX_CONCURRENT_JOBS', 'SANDBOX_PROVIDER']) expect(out).toContain(name);
    for (const value of [secret, 'not-a-number', 'ftp://gateway', 'whsec_0123456789']) expect(out).not.toContain(value);
  }, 120_000);

  it('without APP_ID it serves Probot\'s page to register the app from app.yml', async () => {
    const port = await freePort();
    const app = start({ PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'development', DATA_DIR: mkdtempSync(join(tmpdir(), 'issue-agent-setup-')) });
    try {
      let page = '';
      for (let i = 0; i < 400 && !page; i++) {
        page = await fetch(`http://127.0.0.1:${port}/probot`).then((r) => (r.ok ? r.text() : ''), () => '');
        if (!page) await new Promise((r) => setTimeout(r, 100));
      }
      expect(page).toContain('Register GitHub App');
      expect(page).toContain('issue-agent'); // the manifest's name, from app.yml
    } finally {
      app.child.kill('SIGKILL');
    }
  }, 120_000);
});
