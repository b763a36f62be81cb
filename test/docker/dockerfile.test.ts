import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { privateKey, freePort } from '../helpers/probot.js';
import { root } from '../helpers/app-process.js';

/** The Dockerfile's stages, each with its instructions (continuation lines joined). */
function stages(): { name: string; lines: string[] }[] {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const result: { name: string; lines: string[] }[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    if (/^FROM\s/i.test(line))
      result.push({ name: /\sAS\s+(\S+)/i.exec(line)?.[1] ?? `stage${result.length}`, lines: [] });
    result.at(-1)?.lines.push(line);
  }
  return result;
}

/** Sources of `COPY` lines that read the build context (not another stage). */
function contextCopies(): string[] {
  return stages()
    .flatMap((s) => s.lines)
    .filter((l) => /^COPY\s/i.test(l) && !/--from=/i.test(l))
    .flatMap((l) =>
      l
        .split(/\s+/)
        .slice(1, -1)
        .filter((w) => !w.startsWith('--')),
    );
}

function dockerignore(): string[] {
  return readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

describe('Dockerfile', () => {
  it('copies only paths that exist in the repository, none of them ignored by .dockerignore', () => {
    const copies = contextCopies();
    expect(copies.length).toBeGreaterThan(0);
    expect(copies.filter((p) => !existsSync(join(root, p)))).toEqual([]);
    const ignored = dockerignore();
    expect(copies.filter((p) => ignored.includes(p) || ignored.includes(p.split('/')[0]!))).toEqual([]);
  });

  it('keeps secrets and local state out of the build context', () => {
    expect(dockerignore()).toEqual(
      expect.arrayContaining(['.env', '.env.*', '*.pem', 'node_modules', 'dist', '.data']),
    );
  });

  it('runs as a non-root user, listening on all interfaces, with the production node_modules built in the build stage', () => {
    const runtime = stages().at(-1)!.lines;
    expect(runtime.some((l) => /^USER\s+node$/i.test(l))).toBe(true);
    expect(runtime.some((l) => /^ENV\s.*\bHOST=0\.0\.0\.0\b/.test(l))).toBe(true);
    expect(runtime.some((l) => /^COPY\s+--from=build\s+\/app\/node_modules\s/.test(l))).toBe(true);
    // No install in the runtime stage: it has no compiler for the native SQLite module.
    expect(runtime.filter((l) => /\bnpm\s+(ci|install|i)\b/.test(l))).toEqual([]);
    expect(runtime.at(-1)).toBe('CMD ["node", "dist/src/main.js"]');
  });

  it('the compiled app starts from production dependencies alone (no dev-only import, no missing runtime file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'issue-agent-image-'));
    try {
      // What the runtime stage holds: package.json, app.yml, dist/ and the production node_modules.
      execFileSync(
        process.execPath,
        [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist')],
        { cwd: root },
      );
      for (const file of [
        'package.json',
        ...contextCopies().filter((p) => existsSync(join(root, p)) && p.endsWith('.yml')),
      ]) {
        execFileSync('cp', [join(root, file), join(dir, file)]);
      }
      const production = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
        cwd: root,
        encoding: 'utf8',
      })
        .split('\n')
        .map((p) => relative(join(root, 'node_modules'), p))
        .filter(
          (p) =>
            p &&
            !p.startsWith('..') &&
            !p.includes('node_modules') &&
            (p.split('/').length === 1 || (p.startsWith('@') && p.split('/').length === 2)),
        );
      expect(production).toContain('probot');
      expect(production).not.toContain('vitest');
      for (const pkg of production) {
        mkdirSync(dirname(join(dir, 'node_modules', pkg)), { recursive: true });
        symlinkSync(join(root, 'node_modules', pkg), join(dir, 'node_modules', pkg));
      }
      const port = await freePort();
      const child = spawn(process.execPath, ['dist/src/main.js'], {
        cwd: dir,
        env: {
          PATH: process.env.PATH!,
          NODE_ENV: 'production',
          APP_ID: '1',
          PRIVATE_KEY: privateKey,
          WEBHOOK_SECRET: 'image-test-secret',
          SANDBOX_PROVIDER: 'local',
          DATA_DIR: join(dir, 'data'),
          PORT: String(port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      try {
        let ping = 0;
        for (let i = 0; i < 300 && ping !== 200 && child.exitCode === null; i++) {
          ping = await fetch(`http://127.0.0.1:${port}/ping`).then(
            (r) => r.status,
            () => 0,
          );
          if (ping !== 200) await new Promise((r) => setTimeout(r, 100));
        }
        expect({ ping, exited: child.exitCode, out: ping === 200 ? '' : out }).toEqual({
          ping: 200,
          exited: null,
          out: '',
        });
      } finally {
        child.kill('SIGKILL');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
