import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanPath,
  copies,
  envOf,
  execCmd,
  isIgnored,
  packageInstalls,
  parseDockerfile,
  parseDockerignore,
  workdirOf,
  type Stage,
} from './dockerfile.js';

/** The image as the Dockerfile describes it, checked without a Docker daemon. */
const root = join(import.meta.dirname, '../..');
const stages = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
const ignore = parseDockerignore(readFileSync(join(root, '.dockerignore'), 'utf8'));
const runtime = stages.at(-1)!;

/** Files under `dir` (relative to the repository root), node_modules left out. */
function filesUnder(dir: string): string[] {
  const full = join(root, dir);
  if (!statSync(full).isDirectory()) return [dir];
  return readdirSync(full, { withFileTypes: true })
    .filter((e) => e.name !== 'node_modules')
    .flatMap((e) => filesUnder(posix.join(dir, e.name)));
}

/** Problems with the COPY sources taken from the build context: missing in the repository, or kept out by .dockerignore. */
function contextProblems(dockerfile: Stage[], exists: (path: string) => boolean, files: (path: string) => string[]) {
  const problems: string[] = [];
  for (const stage of dockerfile)
    for (const copy of copies(stage).filter((c) => c.from === undefined))
      for (const source of copy.sources.map(cleanPath)) {
        if (!exists(source)) problems.push(`line ${copy.line}: ${source} does not exist`);
        else
          for (const file of files(source))
            if (isIgnored(ignore, file)) problems.push(`line ${copy.line}: ${file} is excluded by .dockerignore`);
      }
  return problems;
}

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage on the same Node image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime.base).toBe(stages[0]!.base);
  });

  it('COPYs from the build context only paths that exist and that .dockerignore lets through', () => {
    const sources = stages.flatMap((s) => copies(s).filter((c) => c.from === undefined));
    expect(sources.length).toBeGreaterThan(0);
    expect(
      contextProblems(
        stages,
        (p) => existsSync(join(root, p)),
        (p) => filesUnder(p),
      ),
    ).toEqual([]);
  });

  it('the check above reports a missing path and an ignored one (it can fail)', () => {
    const broken = parseDockerfile('FROM node:24-slim\nCOPY scripts/missing.mjs app.yml ./\nCOPY .env ./\n');
    const repo = new Set(['app.yml', '.env']);
    expect(
      contextProblems(
        broken,
        (p) => repo.has(p),
        (p) => [p],
      ),
    ).toEqual(['line 2: scripts/missing.mjs does not exist', 'line 3: .env is excluded by .dockerignore']);
  });

  it('runtime stage: copies node_modules from the build stage and installs nothing itself', () => {
    const fromBuild = copies(runtime).filter((c) => c.from !== undefined);
    expect(fromBuild.flatMap((c) => c.sources.map(cleanPath))).toContain('app/node_modules');
    expect(packageInstalls(runtime).map((i) => `line ${i.line}: RUN ${i.args}`)).toEqual([]);
    // The build stage is where installing belongs (and is recognised).
    expect(packageInstalls(stages[0]!).length).toBeGreaterThan(0);
  });

  it('runtime stage: runs as a non-root user, in production, listening on all interfaces', () => {
    const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user!.split(':')[0]);
    expect(envOf(runtime)).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
  });

  it('reads the instruction forms the checks rely on', () => {
    const [build, run] = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'FROM node:24-slim AS build',
        'RUN apt-get update \\',
        '  # a comment inside a continuation',
        '  && npm ci',
        'FROM node:24-slim',
        'ENV A=1 B="two words" C=',
        'ENV OLD style value',
        'COPY --from=build --chown=node:node /app/dist ./dist',
        'COPY ["package.json", "app.yml", "./"]',
        'RUN npm install --omit=dev',
        'CMD ["node", "dist/src/main.js"]',
      ].join('\n'),
    );
    expect(build!.name).toBe('build');
    expect(build!.instructions[0]).toEqual({ keyword: 'RUN', args: 'apt-get update && npm ci', line: 3 });
    expect(envOf(run!)).toEqual({ A: '1', B: 'two words', C: '', OLD: 'style value' });
    expect(copies(run!)).toEqual([
      { from: 'build', sources: ['/app/dist'], dest: './dist', line: 9 },
      { sources: ['package.json', 'app.yml'], dest: './', line: 10 },
    ]);
    expect(packageInstalls(run!).map((i) => i.line)).toEqual([11]);
    expect(execCmd(run!)).toEqual(['node', 'dist/src/main.js']);
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, local data and installed or built files out of the build context', () => {
    const mustStayOut = [
      '.env',
      '.env.production',
      'config/.env.local',
      'app.2026-01-01.private-key.pem',
      'keys/github.pem',
      '.data/jobs.sqlite',
      'data/jobs.sqlite',
      'node_modules/probot/package.json',
      'dist/src/main.js',
      '.git/config',
      'coverage/index.html',
      'test/app/start.test.ts',
    ];
    expect(mustStayOut.filter((p) => !isIgnored(ignore, p))).toEqual([]);
  });

  it('matches as Docker does: anchored at the root, ** across directories, ! exceptions, last match wins', () => {
    const patterns = parseDockerignore('# comment\n/dist\n**/*.pem\nlogs/*.log\n!logs/keep.log\n*.md\n!README.md\n');
    const result = (p: string) => isIgnored(patterns, p);
    expect(result('dist/a.js')).toBe(true);
    expect(result('src/dist/a.js')).toBe(false);
    expect(result('a/b/c.pem')).toBe(true);
    expect(result('key.pem')).toBe(true);
    expect(result('logs/x.log')).toBe(true);
    expect(result('logs/keep.log')).toBe(false);
    expect(result('logs/sub/x.log')).toBe(false);
    expect(result('CHANGES.md')).toBe(true);
    expect(result('README.md')).toBe(false);
    expect(result('docs/a.md')).toBe(false);
  });
});

/**
 * The runtime stage's /app put together by hand: the build stage's outputs made here (dist by
 * tsc, node_modules as the production dependency tree of package-lock.json) and the context
 * files the runtime stage copies, then the image's CMD with its ENV. A file the image needs
 * at run time but does not copy, or an import of a dev dependency, fails the start.
 */
describe('the runtime stage starts', () => {
  const work = mkdtempSync(join(tmpdir(), 'issue-agent-image-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  /** Hard links where possible (fast, nothing is written through them), copies otherwise; symlinks followed. */
  function linkTree(from: string, to: string, skip: (name: string) => boolean = () => false): void {
    mkdirSync(to, { recursive: true });
    for (const e of readdirSync(from)) {
      if (skip(e)) continue;
      const src = join(from, e);
      if (statSync(src).isDirectory()) linkTree(src, join(to, e));
      else
        try {
          linkSync(realpathSync(src), join(to, e));
        } catch {
          copyFileSync(src, join(to, e));
        }
    }
  }

  /** What `npm prune --omit=dev` leaves: every package of the lockfile not marked dev. */
  function productionNodeModules(to: string): void {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean }>;
    };
    for (const [path, meta] of Object.entries(lock.packages)) {
      if (path === '' || meta.dev) continue;
      const src = join(root, path);
      if (!existsSync(src)) {
        if (meta.optional) continue; // another platform's binary
        throw new Error(`${path} is a production dependency but is not installed: run npm ci`);
      }
      // Nested node_modules are entries of their own in the lockfile.
      linkTree(src, join(to, relative('node_modules', path)), (name) => name === 'node_modules');
    }
  }

  /** The build stage's /app/<path>, made here. */
  function buildOutput(path: string, to: string): void {
    if (path === 'node_modules') return productionNodeModules(to);
    if (path === 'dist') {
      // The build stage's `tsc -p tsconfig.build.json`; types are checked by `npm test`'s typecheck.
      const tsc = spawnSync(
        process.execPath,
        [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noCheck', '--outDir', to],
        { cwd: root, encoding: 'utf8' },
      );
      if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
      return;
    }
    const buildStage = stages.slice(0, -1);
    if (!buildStage.some((s) => copies(s).some((c) => !c.from && c.sources.map(cleanPath).includes(path))))
      throw new Error(`the test does not know how the build stage makes /app/${path}`);
    cpSync(join(root, path), to, { recursive: true });
  }

  function freePort(): Promise<number> {
    return new Promise((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
  }

  it('as `node dist/src/main.js` in production, with the production dependencies only', async () => {
    const workdir = workdirOf(runtime);
    const app = join(work, 'app');
    for (const copy of copies(runtime)) {
      const dest = posix.resolve(workdir, copy.dest);
      expect(dest.startsWith(workdir), `line ${copy.line}: the test replays copies into ${workdir} only`).toBe(true);
      for (const source of copy.sources) {
        const target =
          copy.sources.length > 1 || copy.dest.endsWith('/')
            ? join(app, relative(workdir, dest), basename(source))
            : join(app, relative(workdir, dest));
        if (copy.from === undefined) cpSync(join(root, cleanPath(source)), target, { recursive: true });
        else {
          const buildDir = workdirOf(stages.find((s) => s.name === copy.from)!);
          buildOutput(posix.relative(buildDir, source), target);
        }
      }
    }
    expect(existsSync(join(app, 'node_modules/vitest')), 'a dev dependency in the production tree').toBe(false);

    const cmd = execCmd(runtime)!;
    expect(cmd[0]).toBe('node');
    const port = await freePort();
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    let output = '';
    child = spawn(process.execPath, cmd.slice(1), {
      cwd: app,
      env: {
        PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
        HOME: work,
        ...envOf(runtime),
        PORT: String(port),
        DATA_DIR: join(work, 'data'),
        APP_ID: '1',
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: 'image-test-secret',
        // Agents on this host: no E2B account needed, and no call leaves the machine.
        SANDBOX_PROVIDER: 'local',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));

    let health: { status: number; body: unknown } | undefined;
    for (let i = 0; i < 200 && !health && child.exitCode === null; i++) {
      health = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        async (r) => ({ status: r.status, body: await r.json() }),
        () => undefined,
      );
      if (!health) await new Promise((r) => setTimeout(r, 100));
    }
    // /healthz answers from the job store: SQLite, so better-sqlite3's native module loaded.
    expect(health, output).toEqual({
      status: 200,
      body: { status: 'ok', store: 'sqlite', queueDepth: 0, running: 0, credentials: 'broker' },
    });
    expect(await fetch(`http://127.0.0.1:${port}/ping`).then((r) => r.text())).toBe('PONG');
    // The web view (off without OAuth credentials) and its assets, read from public/ by the built app.
    expect(await fetch(`http://127.0.0.1:${port}/ui/`).then((r) => r.text())).toContain('The web view is off');
    expect((await fetch(`http://127.0.0.1:${port}/ui/assets/ui.css`)).status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited, output).toBe(0);
  }, 60_000);
});
