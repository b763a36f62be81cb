import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gitProxy, type GitProxyDeps } from '../../src/broker/git-proxy.js';
import type { Grant } from '../../src/broker/types.js';
import { cloneRepository } from '../../src/workspace/clone.js';
import { git } from '../helpers/git-remote.js';
import { startGitHttpServer, type GitHttpServer } from '../workspace/git-http-server.js';
import {
  filesContaining,
  makeSourceRepo,
  newSandbox,
  removeDir,
  writeFiles,
  type RecordingSandbox,
} from '../workspace/helpers.js';

const READ_TOKEN = 'ghs_readTokenOfTheAppNeverInASandbox01';
const READ_HEADER = Buffer.from(`x-access-token:${READ_TOKEN}`).toString('base64');
const CAP_A = 'iacap_alpha_0123456789abcdef0123456789abcdef';
const CAP_B = 'iacap_beta_0123456789abcdef0123456789abcdef0';
const CAP_BIG = 'iacap_big_0123456789abcdef0123456789abcdef01';
/** Every secret form that must not show up in a clone, a response or a log line. */
const SECRETS = [READ_TOKEN, READ_HEADER];

interface Harness {
  root: string;
  upstream: GitHttpServer;
  proxyUrl: string;
  logs: string[];
  readTokenCalls: Grant[];
  close(): Promise<void>;
}

let h: Harness;
const dirs: string[] = [];

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `issue-agent-${name}-`));
  dirs.push(dir);
  return dir;
}

/** A bare repository `<root>/<path>` made from a working repository. */
function bare(root: string, path: string, source: string): string {
  const dir = join(root, path);
  git(root, 'clone', '-q', '--bare', '--', source, dir);
  return dir;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The proxy on its own port, unhandled paths answered 404 as the app's server does. */
async function startProxy(deps: GitProxyDeps): Promise<{ url: string; server: Server }> {
  const handler = gitProxy(deps);
  const server = createServer((req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) res.writeHead(404, { 'x-unhandled': '1' }).end();
    });
  });
  return { url: await listen(server), server };
}

function capturingLog(lines: string[]) {
  return pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    }),
  );
}

let source: string;
let grants: Map<string, Grant>;

beforeAll(async () => {
  const root = tempDir('git-upstream');
  const repo = makeSourceRepo({ 'README.md': 'alpha\n', 'src/a.txt': 'a\n' });
  dirs.push(repo.dir);
  source = repo.dir;
  git(source, 'commit', '-q', '--allow-empty', '-m', 'second');
  git(source, 'branch', 'other', 'HEAD~1');
  bare(root, 'octo/alpha.git', source);
  const beta = makeSourceRepo({ 'README.md': 'beta\n' });
  dirs.push(beta.dir);
  bare(root, 'octo/beta.git', beta.dir);

  const upstream = await startGitHttpServer(root, READ_TOKEN);
  grants = new Map<string, Grant>([
    [CAP_A, grant('a', 'Octo', 'Alpha', `${upstream.url}/octo/alpha.git`)],
    [CAP_B, grant('b', 'octo', 'beta', `${upstream.url}/octo/beta.git`)],
  ]);
  const logs: string[] = [];
  const readTokenCalls: Grant[] = [];
  const proxy = await startProxy({
    authorize: (token) => Promise.resolve(grants.get(token)),
    readToken: (g) => {
      readTokenCalls.push(g);
      return Promise.resolve(READ_TOKEN);
    },
    log: capturingLog(logs),
  });
  h = {
    root,
    upstream,
    proxyUrl: proxy.url,
    logs,
    readTokenCalls,
    close: async () => {
      await close(proxy.server);
      await upstream.close();
    },
  };
});

beforeEach(() => {
  h.upstream.requests.length = 0;
  h.upstream.authorizations.length = 0;
});

afterEach(() => {
  // Whatever a test did, no log line the proxy wrote may hold the read token.
  for (const line of h.logs) for (const secret of SECRETS) expect(line).not.toContain(secret);
});

afterAll(async () => {
  await h.close();
  dirs.splice(0).forEach(removeDir);
});

function grant(jobId: string, owner: string, name: string, cloneUrl: string): Grant {
  return { jobId, installationId: 1, repo: { owner, name, cloneUrl } };
}

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Git as a sandbox runs it: no user config, no prompt, and the capability token only as an
 * `http.<proxy>/.extraHeader` in the command's environment, the way cloneRepository passes it.
 */
function sandboxGit(cwd: string, token: string | undefined, ...args: string[]): Promise<GitResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: cwd,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Agent',
    GIT_AUTHOR_EMAIL: 'agent@example.com',
    GIT_COMMITTER_NAME: 'Agent',
    GIT_COMMITTER_EMAIL: 'agent@example.com',
  };
  if (token) {
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = `http.${h.proxyUrl}/.extraHeader`;
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
  }
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function repoUrl(path: string): string {
  return `${h.proxyUrl}/broker/git/${path}`;
}

async function get(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  const res = await fetch(`${h.proxyUrl}${path}`, { method, headers });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

function basic(token: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`anyone:${token}`).toString('base64')}` };
}

function expectNoSecretsIn(dir: string): void {
  expect(filesContaining(dir, [...SECRETS, CAP_A])).toEqual([]);
  expect(readFileSync(join(dir, '.git/config'), 'utf8')).not.toMatch(/extraheader|authorization/i);
}

describe('git clone through the broker', () => {
  it.each([0, 1, 2])('clones the whole repository with protocol version %i', async (version) => {
    const work = tempDir('clone');
    const cloned = await sandboxGit(
      work,
      CAP_A,
      '-c',
      `protocol.version=${version}`,
      'clone',
      '-q',
      '--',
      repoUrl('octo/alpha.git'),
      'repo',
    );
    expect(cloned.stderr).toBe('');
    expect(cloned.code).toBe(0);
    const dir = join(work, 'repo');

    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('alpha\n');
    expect(readFileSync(join(dir, 'src/a.txt'), 'utf8')).toBe('a\n');
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(git(source, 'rev-parse', 'HEAD'));
    expect(git(dir, 'rev-list', '--count', 'HEAD')).toBe('2');
    expect(git(dir, 'rev-parse', 'origin/other')).toBe(git(source, 'rev-parse', 'other'));
    // The version git asked for reached upstream: v2 and v1 ride in the Git-Protocol header.
    const protocols = h.upstream.requests.map((r) => r.headers['git-protocol']);
    expect(protocols.length).toBeGreaterThanOrEqual(2);
    expect(new Set(protocols)).toEqual(new Set([version === 0 ? undefined : `version=${version}`]));
    expect(h.upstream.requests.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'GET /octo/alpha.git/info/refs?service=git-upload-pack',
        'POST /octo/alpha.git/git-upload-pack',
      ]),
    );
    expect(new Set(h.upstream.authorizations)).toEqual(new Set([`Basic ${READ_HEADER}`]));
    expectNoSecretsIn(dir);
  });

  it("answers git's Basic challenge: a credential helper that gives the token after the 401 works too", async () => {
    const work = tempDir('clone');
    const helper = `!f() { echo username=agent; echo password=${CAP_A}; }; f`;
    const cloned = await sandboxGit(
      work,
      undefined,
      '-c',
      `credential.helper=${helper}`,
      'clone',
      '-q',
      '--',
      repoUrl('octo/alpha.git'),
      'repo',
    );
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(readFileSync(join(work, 'repo/README.md'), 'utf8')).toBe('alpha\n');
    expect(filesContaining(join(work, 'repo'), SECRETS)).toEqual([]);
  });

  it('clones shallowly like cloneRepository, then fetches a new commit', async () => {
    const work = tempDir('clone');
    const cloned = await sandboxGit(
      work,
      CAP_A,
      'clone',
      '-q',
      '--single-branch',
      '--no-tags',
      '--branch',
      'main',
      '--depth',
      '1',
      '--',
      repoUrl('octo/alpha.git'),
      'repo',
    );
    expect(cloned.code, cloned.stderr).toBe(0);
    const dir = join(work, 'repo');
    expect(git(dir, 'rev-list', '--count', 'HEAD')).toBe('1');
    expect(git(dir, 'for-each-ref', '--format=%(refname)', 'refs/remotes')).not.toContain('other');

    // Upstream moves on; the sandbox fetches the new commit through the broker.
    const work2 = tempDir('push');
    git(work2, 'clone', '-q', '--', join(h.root, 'octo/alpha.git'), 'w');
    writeFiles(join(work2, 'w'), { 'README.md': 'alpha 2\n' });
    git(join(work2, 'w'), 'commit', '-q', '-am', 'third');
    git(join(work2, 'w'), 'push', '-q', 'origin', 'HEAD:main');
    const third = git(join(work2, 'w'), 'rev-parse', 'HEAD');
    try {
      const fetched = await sandboxGit(dir, CAP_A, 'fetch', '-q', '--depth', '1', 'origin', 'main');
      expect(fetched.code, fetched.stderr).toBe(0);
      expect(git(dir, 'rev-parse', 'origin/main')).toBe(third);
      const unshallow = await sandboxGit(dir, CAP_A, 'fetch', '-q', '--unshallow', 'origin', 'main');
      expect(unshallow.code, unshallow.stderr).toBe(0);
      expect(git(dir, 'rev-list', '--count', 'origin/main')).toBe('3');
      expectNoSecretsIn(dir);
    } finally {
      git(join(work2, 'w'), 'push', '-q', '--force', 'origin', `${third}~1:main`);
    }
  });

  it('works with cloneRepository in a local sandbox, the capability token as its token', async () => {
    let sandbox: RecordingSandbox | undefined;
    try {
      sandbox = await newSandbox();
      const dir = `${sandbox.home}/repo`;
      const base = await cloneRepository(sandbox, {
        cloneUrl: repoUrl('octo/alpha.git'),
        branch: 'main',
        token: CAP_A,
        dir,
      });
      expect(base.sha).toBe(git(source, 'rev-parse', 'HEAD'));
      expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('alpha\n');
      expect(h.upstream.requests.length).toBeGreaterThan(0);
      // Neither the read token nor the capability token is left anywhere in the sandbox.
      expect(filesContaining(sandbox.home, [...SECRETS, CAP_A])).toEqual([]);
      for (const run of sandbox.runs) expect(JSON.stringify(run)).not.toContain(READ_TOKEN);
      expect(JSON.stringify(sandbox.runs)).not.toContain(READ_HEADER);
    } finally {
      await sandbox?.kill();
    }
  });

  it('clones a large repository, the request body gzipped by git', async () => {
    const work = tempDir('big-source');
    git(work, 'init', '-q', '-b', 'main');
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 6; i++) files[`blob-${i}.bin`] = randomBytes(768 * 1024);
    writeFiles(work, files);
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'big');
    // Many branches on distinct commits: enough wants that git compresses the upload-pack request.
    for (let i = 0; i < 40; i++) {
      git(work, 'commit', '-q', '--allow-empty', '-m', `c${i}`);
      git(work, 'branch', `b${i}`);
    }
    bare(h.root, 'octo/big.git', work);
    grants.set(CAP_BIG, grant('big', 'octo', 'big', `${h.upstream.url}/octo/big.git`));

    for (const version of [0, 2]) {
      h.upstream.requests.length = 0;
      const out = tempDir('big-clone');
      const cloned = await sandboxGit(
        out,
        CAP_BIG,
        '-c',
        `protocol.version=${version}`,
        'clone',
        '-q',
        '--',
        repoUrl('octo/big.git'),
        'repo',
      );
      expect(cloned.code, cloned.stderr).toBe(0);
      const dir = join(out, 'repo');
      for (const [name, content] of Object.entries(files))
        expect(readFileSync(join(dir, name)).equals(content), name).toBe(true);
      expect(git(dir, 'for-each-ref', '--format=%(refname)', 'refs/remotes').split('\n')).toHaveLength(42);
      const posts = h.upstream.requests.filter((r) => r.method === 'POST');
      expect(posts.some((r) => r.headers['content-encoding'] === 'gzip')).toBe(true);
    }
  });
});

describe('what the broker refuses', () => {
  it('refuses a push with 403 and a message git shows; upstream sees nothing of it', async () => {
    const work = tempDir('clone');
    expect((await sandboxGit(work, CAP_A, 'clone', '-q', '--', repoUrl('octo/alpha.git'), 'repo')).code).toBe(0);
    const dir = join(work, 'repo');
    writeFiles(dir, { 'README.md': 'pushed\n' });
    git(dir, 'commit', '-q', '-am', 'agent change');
    h.upstream.requests.length = 0;

    const pushed = await sandboxGit(dir, CAP_A, 'push', 'origin', 'HEAD:main');

    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toContain('Pushing is not possible through issue-agent');
    expect(pushed.stderr).toContain('403');
    expect(h.upstream.requests).toEqual([]);
    expect(git(join(h.root, 'octo/alpha.git'), 'rev-parse', 'main')).toBe(git(source, 'rev-parse', 'HEAD'));
    const post = await get('/broker/git/octo/alpha.git/git-receive-pack', basic(CAP_A), 'POST');
    expect(post.status).toBe(403);
    expect(h.upstream.requests).toEqual([]);
  });

  it('answers a missing or wrong token with a Basic challenge, forwarding nothing', async () => {
    const refs = '/broker/git/octo/alpha.git/info/refs?service=git-upload-pack';
    for (const headers of [{}, basic('iacap_wrong'), { authorization: `Bearer ${CAP_A}` }, basic('')]) {
      const res = await get(refs, headers);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="issue-agent"');
    }
    const work = tempDir('clone');
    const anonymous = await sandboxGit(work, undefined, 'clone', '-q', '--', repoUrl('octo/alpha.git'), 'repo');
    expect(anonymous.code).not.toBe(0);
    const wrong = await sandboxGit(work, 'iacap_wrong', 'clone', '-q', '--', repoUrl('octo/alpha.git'), 'repo2');
    expect(wrong.code).not.toBe(0);
    expect(h.upstream.requests).toEqual([]);
  });

  it('a token for one repository cannot read another, and does not learn whether it exists', async () => {
    const work = tempDir('clone');
    const other = await sandboxGit(work, CAP_A, 'clone', '-q', '--', repoUrl('octo/beta.git'), 'repo');
    expect(other.code).not.toBe(0);
    const existing = await get('/broker/git/octo/beta.git/info/refs?service=git-upload-pack', basic(CAP_A));
    const missing = await get('/broker/git/octo/nothing.git/info/refs?service=git-upload-pack', basic(CAP_A));
    expect(existing.status).toBe(404);
    expect(existing).toEqual({ ...missing, headers: { ...missing.headers, date: existing.headers.date } });
    expect(h.upstream.requests).toEqual([]);
    // The same repository in another case is the granted one.
    const upper = await get('/broker/git/OCTO/alpha.git/info/refs?service=git-upload-pack', basic(CAP_A));
    expect(upper.status).toBe(200);
    expect(upper.headers['content-type']).toBe('application/x-git-upload-pack-advertisement');
    for (const secret of SECRETS) expect(upper.body).not.toContain(secret);
    // And B's token reads B.
    const beta = await sandboxGit(work, CAP_B, 'clone', '-q', '--', repoUrl('octo/beta.git'), 'beta');
    expect(beta.code, beta.stderr).toBe(0);
    expect(readFileSync(join(work, 'beta/README.md'), 'utf8')).toBe('beta\n');
  });

  it('answers 404 for other paths under /broker/git/ and leaves every other path to the app', async () => {
    for (const path of [
      '/broker/git',
      '/broker/git/',
      '/broker/git/octo/alpha.git/info/refs',
      '/broker/git/octo/alpha.git/info/refs?service=git-upload-archive',
      '/broker/git/octo/alpha.git/HEAD',
      '/broker/git/octo/alpha.git/objects/info/packs',
      '/broker/git/octo/alpha/info/refs?service=git-upload-pack',
      '/broker/git/octo/../alpha.git/git-upload-pack',
      '/broker/git/octo/..git/git-upload-pack',
    ]) {
      const res = await get(path, basic(CAP_A));
      expect([path, res.status, res.headers['x-unhandled']]).toEqual([path, 404, undefined]);
    }
    expect((await get('/healthz')).headers['x-unhandled']).toBe('1');
    expect((await get('/broker/gitx/octo/alpha.git/git-upload-pack')).headers['x-unhandled']).toBe('1');
    const wrongMethod = await get('/broker/git/octo/alpha.git/git-upload-pack', basic(CAP_A));
    expect([wrongMethod.status, wrongMethod.headers.allow]).toEqual([405, 'POST']);
    expect(h.upstream.requests).toEqual([]);
  });
});

describe('upstream answers', () => {
  let upstreamServer: Server;
  let upstreamUrl: string;
  let respond: (req: IncomingMessage, res: ServerResponse) => void;
  let proxy: { url: string; server: Server };
  const seen: IncomingMessage[] = [];
  const lines: string[] = [];

  beforeAll(async () => {
    upstreamServer = createServer((req, res) => {
      seen.push(req);
      respond(req, res);
    });
    upstreamUrl = await listen(upstreamServer);
    proxy = await startProxy({
      authorize: (token) =>
        token === 'iacap_store_down'
          ? Promise.reject(new Error('store down'))
          : Promise.resolve(
              token === CAP_A ? grant('x', 'octo', 'alpha', `${upstreamUrl}/octo/alpha.git/`) : undefined,
            ),
      readToken: () => Promise.resolve(READ_TOKEN),
      log: capturingLog(lines),
      timeoutMs: 2_000,
      maxBodyBytes: 1024,
    });
  });
  afterEach(() => {
    seen.length = 0;
    for (const line of lines) for (const secret of SECRETS) expect(line).not.toContain(secret);
  });
  afterAll(async () => {
    await close(proxy.server);
    await close(upstreamServer);
  });

  const refs = () => `${proxy.url}/broker/git/octo/alpha.git/info/refs?service=git-upload-pack`;

  it.each([401, 403, 404, 429, 500, 503])(
    'passes upstream %i on with a message of its own, no upstream header or body',
    async (status) => {
      respond = (_req, res) =>
        res
          .writeHead(status, { 'www-authenticate': 'Basic realm="GitHub"', 'set-cookie': 'a=b', 'retry-after': '7' })
          .end(`upstream body mentioning ${READ_TOKEN}`);
      const res = await fetch(refs(), { headers: basic(CAP_A) });
      const body = await res.text();
      expect(res.status).toBe(status);
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(res.headers.get('retry-after')).toBe(status === 429 || status === 503 ? '7' : null);
      expect(body).not.toContain('upstream body');
      expect(seen[0]?.headers.authorization).toBe(`Basic ${READ_HEADER}`);
    },
  );

  it('answers 503 when the token cannot be checked, forwarding nothing', async () => {
    const res = await fetch(refs(), { headers: basic('iacap_store_down') });
    expect(res.status).toBe(503);
    expect(seen).toEqual([]);
  });

  it('does not follow a redirect, to another host or its own', async () => {
    const elsewhere = createServer((_req, res) => res.writeHead(200).end('followed'));
    const elsewhereUrl = await listen(elsewhere);
    let hits = 0;
    elsewhere.on('request', () => hits++);
    try {
      for (const location of [`${elsewhereUrl}/octo/alpha.git/info/refs`, '/octo/moved.git/info/refs']) {
        respond = (_req, res) => res.writeHead(301, { location }).end();
        const res = await fetch(refs(), { headers: basic(CAP_A), redirect: 'manual' });
        expect(res.status).toBe(502);
        expect(res.headers.get('location')).toBeNull();
        expect(await res.text()).toContain('does not follow redirects');
      }
      expect(hits).toBe(0);
      expect(seen).toHaveLength(2);
    } finally {
      await close(elsewhere);
    }
  });

  it('forwards the headers git needs and streams the POST body as it comes', async () => {
    let received = '';
    respond = (req, res) => {
      req.setEncoding('utf8');
      req.on('data', (c: string) => (received += c));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result' }).end('PACK'));
    };
    const res = await fetch(`${proxy.url}/broker/git/octo/alpha.git/git-upload-pack`, {
      method: 'POST',
      headers: {
        ...basic(CAP_A),
        'content-type': 'application/x-git-upload-pack-request',
        accept: 'application/x-git-upload-pack-result',
        'git-protocol': 'version=2',
        'user-agent': 'git/2.39.5',
        cookie: 'session=1',
      },
      body: '0014command=ls-refs\n0000',
    });
    expect([res.status, await res.text()]).toEqual([200, 'PACK']);
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-result');
    expect(received).toBe('0014command=ls-refs\n0000');
    const headers = seen[0]!.headers;
    expect(seen[0]!.url).toBe('/octo/alpha.git/git-upload-pack');
    expect(headers).toMatchObject({
      'content-type': 'application/x-git-upload-pack-request',
      accept: 'application/x-git-upload-pack-result',
      'git-protocol': 'version=2',
      'user-agent': 'git/2.39.5',
      authorization: `Basic ${READ_HEADER}`,
    });
    expect(headers.cookie).toBeUndefined();
  });

  it('refuses a request body over the limit without forwarding it', async () => {
    const res = await fetch(`${proxy.url}/broker/git/octo/alpha.git/git-upload-pack`, {
      method: 'POST',
      headers: basic(CAP_A),
      body: 'x'.repeat(2048),
    });
    expect(res.status).toBe(413);
    expect(seen).toEqual([]);
  });

  it('cuts off a chunked request body at the limit: upstream never gets the whole body', async () => {
    let received = 0;
    let ended = false;
    respond = (req) => {
      req.on('data', (c: Buffer) => (received += c.length));
      req.on('end', () => (ended = true));
    };
    const outcome = await new Promise<string>((resolve) => {
      const req = request(`${proxy.url}/broker/git/octo/alpha.git/git-upload-pack`, {
        method: 'POST',
        headers: { ...basic(CAP_A), 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => resolve(String(res.statusCode)));
      req.on('error', () => resolve('connection dropped'));
      for (let i = 0; i < 8; i++) req.write('y'.repeat(512));
      req.end();
    });
    expect(['413', 'connection dropped']).toContain(outcome);
    // Upstream may or may not have seen the start of the request; it must never see its end.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ended).toBe(false);
    expect(received).toBeLessThanOrEqual(1024);
  });

  it('aborts the upstream request when the client goes away mid-answer', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    respond = (_req, res) => {
      res.on('close', () => upstreamClosed());
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' });
      res.write('first');
      // ...and nothing more: a slow upstream the client gives up on.
    };
    await new Promise<void>((resolve, reject) => {
      const req = request(refs(), { headers: basic(CAP_A) }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => (err.message === 'socket hang up' ? undefined : reject(err)));
      req.end();
    });
    await closed;
    expect(seen).toHaveLength(1);
  });

  it('gives up on an upstream silent past the timeout', async () => {
    respond = () => undefined; // never answers
    const started = Date.now();
    const res = await fetch(refs(), { headers: basic(CAP_A) });
    expect(res.status).toBe(502);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
