import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRODUCTION_WITHOUT_APP_ID } from '../../src/config/env.js';
import { startFakeGitHub } from '../fakes/github-server.js';
import { deliver, waitFor } from '../helpers/app-process.js';
import { fakeAgentBin } from '../helpers/fake-agent.js';
import { makeRemote } from '../helpers/git-remote.js';
import { commentPayload } from '../helpers/payloads.js';
import { privateKey } from '../helpers/probot.js';
import { API_KEY, claudeLines, happyRoutes, R } from './harness.js';

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

/** `cwd`: where the app runs, and so where its `.env` is (the repository by default). */
function start(env: Record<string, string>, cwd = root) {
  const child = spawn(process.execPath, [join(root, 'scripts/start.mjs')], {
    cwd,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString();
    err += c.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, output: () => out, stderr: () => err };
}

/** A working directory of its own, holding `.env` when given its text. */
function workDir(dotEnv?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'issue-agent-cwd-'));
  if (dotEnv !== undefined) writeFileSync(join(dir, '.env'), dotEnv);
  return dir;
}

/** The exit code, or 'still running' (and the process killed) after `ms`, so a failing test leaves no process behind. */
async function exitWithin(app: ReturnType<typeof start>, ms = 90_000): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), ms)));
  const code = await Promise.race([app.exited, timeout]);
  clearTimeout(timer);
  app.child.kill('SIGKILL');
  return code;
}

/** A stack trace line, as an uncaught error prints it. */
const STACK_LINE = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

describe('npm start', () => {
  it('stops at start with one message naming every bad variable, and no value', async () => {
    const secret = 'sk-ant-do-not-print-0123456789';
    const app = start({
      APP_ID: 'not-a-number',
      ANTHROPIC_API_KEY: secret,
      ANTHROPIC_BASE_URL: 'ftp://gateway',
      MAX_CONCURRENT_JOBS: '0',
      SANDBOX_PROVIDER: 'docker',
      WEBHOOK_SECRET: 'whsec_0123456789',
    });
    expect(await app.exited).toBe(1);
    const out = app.output();
    for (const name of ['APP_ID', 'PRIVATE_KEY', 'ANTHROPIC_BASE_URL', 'MAX_CONCURRENT_JOBS', 'SANDBOX_PROVIDER'])
      expect(out).toContain(name);
    for (const value of [secret, 'not-a-number', 'ftp://gateway', 'whsec_0123456789']) expect(out).not.toContain(value);
  }, 120_000);

  it("without APP_ID it serves Probot's page to register the app from app.yml", async () => {
    const port = await freePort();
    const app = start({
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'development',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'issue-agent-setup-')),
    });
    try {
      let page = '';
      for (let i = 0; i < 400 && !page; i++) {
        page = await fetch(`http://127.0.0.1:${port}/probot`).then(
          (r) => (r.ok ? r.text() : ''),
          () => '',
        );
        if (!page) await new Promise((r) => setTimeout(r, 100));
      }
      expect(page).toContain('Register GitHub App');
      expect(page).toContain('issue-agent'); // the manifest's name, from app.yml
    } finally {
      app.child.kill('SIGKILL');
    }
  }, 120_000);

  it('with HOST unset it listens on all interfaces (Probot alone would bind to localhost only)', async () => {
    const port = await freePort();
    const app = start({
      PORT: String(port),
      NODE_ENV: 'development',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'issue-agent-host-')),
    });
    try {
      const listening = await waitFor(
        'the listening line',
        () => /Listening on (http:\/\/[^\s"]+)/.exec(app.output())?.[1],
      );
      expect(listening).toBe(`http://0.0.0.0:${port}`);
    } finally {
      app.child.kill('SIGKILL');
    }
  }, 120_000);

  it('after registering, a restart runs the registered app from .env: real variables win, and its secrets are masked', async () => {
    const gh = await startFakeGitHub(happyRoutes());
    const secret = 'dotenv-webhook-secret';
    const [port, filePort] = [await freePort(), await freePort()];
    // As Probot's setup page writes it (updateEnv): KEY=value lines, the PEM's newlines escaped.
    const dotEnv = [
      'WEBHOOK_PROXY_URL=https://smee.io/abc',
      'APP_ID=1',
      `PRIVATE_KEY=${privateKey.replace(/\n/g, '\\n')}`,
      `WEBHOOK_SECRET=${secret}`,
      'GITHUB_CLIENT_ID=Iv1.0123456789',
      `ANTHROPIC_API_KEY=${API_KEY}`,
      'SANDBOX_PROVIDER=local',
      `PORT=${filePort}`, // the real PORT below wins, for us and for Probot
    ].join('\n');
    const bin = fakeAgentBin('claude', {
      writes: { 'a.txt': 'b\n' },
      lines: claudeLines(`Done. My key is ${API_KEY}.`),
    });
    const app = start(
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_ENV: 'test',
        GHE_HOST: gh.host,
        GHE_PROTOCOL: 'http',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'issue-agent-dotenv-data-')),
        PATH: `${bin}:${process.env.PATH}`,
      },
      workDir(dotEnv),
    );
    try {
      let health: { status?: string } = {};
      for (let i = 0; i < 600 && health.status !== 'ok' && app.child.exitCode === null; i++) {
        health = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => (r.ok ? (r.json() as Promise<{ status: string }>) : {}),
          () => ({}),
        );
        if (health.status !== 'ok') await new Promise((r) => setTimeout(r, 100));
      }
      expect(health.status, app.output()).toBe('ok');
      expect(app.output()).not.toContain('APP_ID is not set');
      // A configured app: a delivery signed with the secret from .env runs the agent to a PR.
      expect(
        await deliver(
          port,
          secret,
          commentPayload('/agent go', { cloneUrl: makeRemote({ 'a.txt': 'a\n' }).url }),
          'dotenv-1',
        ),
      ).toBe(200);
      await waitFor('the PR', () => gh.lines().includes(`POST ${R}/pulls`), 60_000);
      const sent = JSON.stringify(gh.requests.map((r) => r.body));
      expect(sent).toContain('Done. My key is ***.'); // the key from .env reached the redactor
      expect(sent).not.toContain(API_KEY);
      expect(app.output()).not.toContain(API_KEY);
      expect(
        await fetch(`http://127.0.0.1:${filePort}/healthz`).then(
          () => 'answered',
          () => 'refused',
        ),
      ).toBe('refused');
    } finally {
      app.child.kill('SIGKILL');
      await gh.close();
    }
  }, 120_000);

  it('a malformed .env stops the app with a message naming the line, not a stack trace', async () => {
    const port = await freePort();
    const app = start(
      {
        NODE_ENV: 'development',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'issue-agent-bad-dotenv-')),
      },
      workDir(
        `APP_ID=1\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nWEBHOOK_SECRET=s\n`,
      ),
    );
    expect(await exitWithin(app)).toBe(1);
    expect(app.stderr()).toMatch(/\.env line 2: expected NAME=value/);
    expect(app.stderr()).toMatch(/\.env line 3: expected NAME=value/);
    expect(app.output()).not.toMatch(STACK_LINE);
    expect(app.output()).not.toContain('MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun');
  }, 120_000);

  it('in production without APP_ID it stops with one message saying what to set, not a stack trace', async () => {
    const port = await freePort();
    const app = start(
      {
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'issue-agent-prod-')),
      },
      workDir(),
    );
    expect(await exitWithin(app)).toBe(1);
    expect(app.stderr()).toContain(PRODUCTION_WITHOUT_APP_ID);
    expect(app.output()).not.toMatch(STACK_LINE);
    expect(app.output()).not.toContain('serving the GitHub App registration page');
  }, 120_000);
});
