/**
 * vitest globalSetup: a throwaway PostgreSQL cluster for the whole run (about a second), its
 * admin URL handed to test files through `inject('postgresUrl')`. Each test file creates its
 * own databases in it (see postgres-database.ts), so files run in parallel without sharing rows.
 *
 * Set TEST_DATABASE_URL to use an existing server instead (its user must be allowed to create
 * databases).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the test cluster (database `postgres`); create your own database from it. */
    postgresUrl: string;
  }
}

const run = promisify(execFile);
const INSTALL_HINT =
  'Run `scripts/postgres-for-tests.sh` (as root) to install the PostgreSQL server, then run the tests again.';

/** initdb's directory: on PATH, or where Debian's postgresql package puts it (not on PATH there). */
export function findPostgresBin(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    const dir = join(root, v, 'bin');
    if (existsSync(join(dir, 'initdb'))) return dir;
  }
  throw new Error(`PostgreSQL tests need initdb, which is neither on PATH nor under ${root}/*/bin. ${INSTALL_HINT}`);
}

/** runuser lives in /usr/sbin, which a non-login shell's PATH may lack. */
function findRunuser(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  const dir = dirs.find((d) => d && existsSync(join(d, 'runuser')));
  if (!dir)
    throw new Error(
      'Running as root, the PostgreSQL test cluster needs `runuser` (util-linux) to start it as the postgres user.',
    );
  return join(dir, 'runuser');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide('postgresUrl', external);
    return async () => undefined;
  }
  const bin = findPostgresBin();
  // initdb refuses to run as root: run the cluster as the `postgres` user the package created.
  const asUser = process.getuid?.() === 0 ? [findRunuser(), '-u', 'postgres', '--'] : [];
  const exec = async (file: string, args: string[]): Promise<string> => {
    const [cmd, ...rest] = [...asUser, file, ...args];
    if (!cmd) throw new Error('empty command');
    try {
      return (await run(cmd, rest, { timeout: 60_000 })).stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${file} failed: ${e.stderr?.trim() || e.message}${asUser.length ? `\n(${INSTALL_HINT})` : ''}`);
    }
  };

  const dir = (await exec('mktemp', ['-d', '/tmp/issue-agent-pg.XXXXXX'])).trim();
  const data = join(dir, 'data');
  let started = false;
  const stop = async (): Promise<void> => {
    if (started) await exec(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
    started = false;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await exec(join(bin, 'initdb'), ['-D', data, '-U', 'test', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
    // Another process may take the port between freePort() and the server binding it; retry then.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      // Durability off: a crash loses a throwaway cluster, and commits get several times faster.
      const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
      try {
        await exec(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-o', opts, 'start']);
        started = true;
        project.provide('postgresUrl', `postgres://test@127.0.0.1:${port}/postgres`);
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return stop;
}
