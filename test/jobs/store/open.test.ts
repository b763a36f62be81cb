import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, hostPort, openJobStore } from '../../../src/jobs/store/open.js';
import { postgresAdminUrl } from '../../setup/postgres-database.js';

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A "database" that accepts connections and never answers. */
let silent: ReturnType<typeof createServer>;
const sockets = new Set<Socket>();
beforeAll(async () => {
  silent = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

async function failure(url: string, connectForMs: number) {
  const retries: { attempt: number; waitMs: number; reason: string }[] = [];
  const started = Date.now();
  const err = await openJobStore({
    dataDir: '/nonexistent',
    databaseUrl: url,
    connectForMs,
    onRetry: (r) => retries.push(r),
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { err: err as Error, retries, ms: Date.now() - started };
}

describe('openJobStore: a PostgreSQL it cannot reach at start', () => {
  it('retries a refused connection with growing waits for the time given, then names DATABASE_URL and host:port, not the password', async () => {
    const port = await closedPort();
    const { err, retries, ms } = await failure(`postgres://app:hunter2-pw@127.0.0.1:${port}/jobs`, 3_000);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err.message).toBe(
      `DATABASE_URL: cannot reach the database at 127.0.0.1:${port} (ECONNREFUSED); gave up after 3 s`,
    );
    expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, i) => i + 1));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries[0]).toMatchObject({ waitMs: 500, reason: 'ECONNREFUSED' });
    expect(retries[1]!.waitMs).toBeGreaterThan(retries[0]!.waitMs);
    expect(ms).toBeGreaterThanOrEqual(2_500);
    expect(ms).toBeLessThan(6_000);
  });

  it('a server that never answers: each attempt is cut short so the whole stays bounded', async () => {
    const { port } = silent.address() as AddressInfo;
    const { err, ms } = await failure(`postgres://app:pw@127.0.0.1:${port}/jobs`, 2_000);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err.message).toMatch(
      new RegExp(
        `^DATABASE_URL: cannot reach the database at 127\\.0\\.0\\.1:${port} \\(.*timeout.*\\); gave up after 2 s$`,
        'i',
      ),
    );
    expect(ms).toBeLessThan(6_000);
  });

  it('a database that answers "no" is not retried', async () => {
    const url = new URL(postgresAdminUrl());
    url.pathname = '/no_such_database_here';
    url.password = 'pw-not-printed';
    const { err, retries, ms } = await failure(url.toString(), 30_000);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err.message).toMatch(
      new RegExp(
        `^DATABASE_URL: the database at ${url.hostname}:${url.port} refused the app: .*no_such_database_here.*\\(3D000\\)$`,
      ),
    );
    expect(err.message).not.toContain('pw-not-printed');
    expect(retries).toEqual([]);
    expect(ms).toBeLessThan(5_000);
  });
});

describe('hostPort', () => {
  it.each([
    ['postgres://u:p@db.internal:6543/jobs', 'db.internal:6543'],
    ['postgresql://u:secret@db/jobs', 'db:5432'],
    ['postgres://[::1]:5433/jobs', '[::1]:5433'],
    ['postgres:///jobs?host=/var/run/postgresql', 'localhost:5432'],
  ])('%s → %s', (url, expected) => {
    expect(hostPort(url)).toBe(expected);
  });
});
