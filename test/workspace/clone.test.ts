import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cloneRepository, CloneError } from '../../src/workspace/clone.js';
import { startGitHttpServer, type GitHttpServer } from './git-http-server.js';
import { git } from '../helpers/git-remote.js';
import { filesContaining, makeSourceRepo, newSandbox, removeDir, type RecordingSandbox } from './helpers.js';

const TOKEN = 'ghs_cloneTokenThatMustNotLeak0123456789';
const HEADER = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');

let sandbox: RecordingSandbox | undefined;
let server: GitHttpServer | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await sandbox?.kill();
  await server?.close();
  sandbox = undefined;
  server = undefined;
  dirs.splice(0).forEach(removeDir);
});

function source() {
  const repo = makeSourceRepo({ 'README.md': 'one\n' });
  dirs.push(repo.dir);
  git(repo.dir, 'commit', '-q', '--allow-empty', '-m', 'second');
  git(repo.dir, 'tag', 'v1');
  git(repo.dir, 'branch', 'other', 'HEAD~1');
  return { ...repo, sha: git(repo.dir, 'rev-parse', 'HEAD'), treeSha: git(repo.dir, 'rev-parse', 'HEAD^{tree}') };
}

/** A TCP proxy to `target` (http://host:port) that holds every connection until `open` resolves. */
async function heldProxy(target: string, open: Promise<void>): Promise<{ url: string; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    return socket;
  };
  const proxy = createServer((client) => {
    track(client).pause();
    void open.then(() => {
      if (client.destroyed) return;
      const upstream = track(connect(Number(port), hostname));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        proxy.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

describe('cloneRepository', () => {
  it('clones one branch shallowly, without tags, and returns its commit and tree', async () => {
    const repo = source();
    sandbox = await newSandbox();
    const dir = `${sandbox.home}/repo`;

    const base = await cloneRepository(sandbox, { cloneUrl: repo.url, branch: 'main', token: TOKEN, dir });

    expect(base).toEqual({ sha: repo.sha, treeSha: repo.treeSha });
    expect(git(dir, 'rev-list', '--count', 'HEAD')).toBe('1');
    expect(git(dir, 'for-each-ref', '--format=%(refname)', 'refs/remotes')).not.toContain('other');
    expect(git(dir, 'for-each-ref', '--format=%(refname)', 'refs/remotes')).toContain('refs/remotes/origin/main');
    expect(git(dir, 'tag')).toBe('');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('one\n');
  });

  it('clones another branch, and the whole history with depth 0', async () => {
    const repo = source();
    sandbox = await newSandbox();
    const dir = `${sandbox.home}/repo`;

    const base = await cloneRepository(sandbox, { cloneUrl: repo.url, branch: 'other', token: TOKEN, dir, depth: 0 });

    expect(base.sha).toBe(git(repo.dir, 'rev-parse', 'other'));
    expect(git(dir, 'rev-list', '--count', 'HEAD')).toBe('1');
    const full = `${sandbox.home}/full`;
    await cloneRepository(sandbox, { cloneUrl: repo.url, branch: 'main', token: TOKEN, dir: full, depth: 0 });
    expect(git(full, 'rev-list', '--count', 'HEAD')).toBe('2');
  });

  it('gives the token to the clone command only, through its environment', async () => {
    const repo = source();
    sandbox = await newSandbox();
    const dir = `${sandbox.home}/repo`;

    await cloneRepository(sandbox, { cloneUrl: repo.url, branch: 'main', token: TOKEN, dir });

    for (const run of sandbox.runs) {
      expect(run.cmd).not.toContain(TOKEN);
      expect(run.cmd).not.toContain(HEADER);
    }
    const withToken = sandbox.runs.filter((r) =>
      Object.values(r.env).some((v) => v.includes(HEADER) || v.includes(TOKEN)),
    );
    expect(withToken.map((r) => r.cmd)).toEqual([expect.stringMatching(/^git .* clone /)]);
    expect(withToken[0]!.env).toMatchObject({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${HEADER}`,
      GIT_TERMINAL_PROMPT: '0',
    });
    expect(readFileSync(join(dir, '.git/config'), 'utf8')).not.toContain(HEADER);
    expect(filesContaining(sandbox.home, [TOKEN, HEADER])).toEqual([]);
  });

  it('authenticates over HTTP with the header, scoped to the clone host, and no process argument holds the token', async () => {
    const repo = source();
    server = await startGitHttpServer(join(repo.dir, '..'), TOKEN);
    // Git reaches the server through a proxy that holds its connections until the watch below
    // has seen both the clone and its HTTP helper: they are then alive, waiting, however slowly
    // a loaded machine runs the watch.
    let release!: () => void;
    const watched = new Promise<void>((resolve) => (release = resolve));
    const proxy = await heldProxy(server.url, watched);
    sandbox = await newSandbox();
    const dir = `${sandbox.home}/repo`;
    const cloneUrl = `${proxy.url}/${repo.dir.split('/').pop()}/.git`;

    // Watch every process's argv while the clone runs: git-remote-http included.
    const seen = new Set<string>();
    const isClone = (c: string) => c.split('\0').includes('clone');
    const isHelper = (c: string) => /(^|\0|\/)(git-)?remote-https?\0/.test(c);
    const watch = setInterval(() => {
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        try {
          seen.add(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
        } catch {
          // exited meanwhile
        }
      }
      if ([...seen].some(isClone) && [...seen].some(isHelper)) release();
    }, 2);
    // Never a hang: past this the clone goes on, and the assertions below tell what was missed.
    const fallback = setTimeout(release, 15_000);
    try {
      const base = await cloneRepository(sandbox, { cloneUrl, branch: 'main', token: TOKEN, dir });
      expect(base.sha).toBe(repo.sha);
    } finally {
      clearInterval(watch);
      clearTimeout(fallback);
      await proxy.close();
    }

    expect(server.authorizations).toContain(`Basic ${HEADER}`);
    const clone = sandbox.runs.find((r) => r.cmd.includes(' clone '))!;
    expect(clone.env.GIT_CONFIG_KEY_0).toBe(`http.${proxy.url}/.extraHeader`);
    expect([...seen].some(isClone)).toBe(true);
    expect([...seen].some(isHelper)).toBe(true);
    expect([...seen].filter((c) => c.includes(TOKEN) || c.includes(HEADER))).toEqual([]);
    expect(git(dir, 'config', '--get', 'remote.origin.url')).toBe(cloneUrl);
    expect(filesContaining(sandbox.home, [TOKEN, HEADER])).toEqual([]);
  });

  it("fails with git's reason when the token is refused, without prompting", async () => {
    const repo = source();
    server = await startGitHttpServer(join(repo.dir, '..'), TOKEN);
    sandbox = await newSandbox();
    const cloneUrl = `${server.url}/${repo.dir.split('/').pop()}/.git`;

    const cloning = cloneRepository(sandbox, {
      cloneUrl,
      branch: 'main',
      token: 'ghs_wrongToken000000000',
      dir: `${sandbox.home}/repo`,
    });

    await expect(cloning).rejects.toThrow(CloneError);
    await expect(cloning).rejects.toThrow(/terminal prompts disabled|Authentication failed/);
  });

  it("fails with git's reason for a branch that does not exist", async () => {
    const repo = source();
    sandbox = await newSandbox();

    const cloning = cloneRepository(sandbox, {
      cloneUrl: repo.url,
      branch: 'nope',
      token: TOKEN,
      dir: `${sandbox.home}/repo`,
    });

    await expect(cloning).rejects.toThrow(CloneError);
    await expect(cloning).rejects.toThrow(/git clone of nope failed: .*nope.*not found/s);
  });

  it('refuses a URL with credentials in it before running anything', async () => {
    sandbox = await newSandbox();

    const cloning = cloneRepository(sandbox, {
      cloneUrl: 'https://x:y@github.com/o/r.git',
      branch: 'main',
      token: TOKEN,
      dir: `${sandbox.home}/repo`,
    });

    await expect(cloning).rejects.toThrow('the clone URL must not contain credentials');
    expect(sandbox.runs).toEqual([]);
  });
});
