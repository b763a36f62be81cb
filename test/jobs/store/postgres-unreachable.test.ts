import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../../../src/jobs/store/postgres-store.js';

/** A "database" that accepts connections and never answers: a dropped route or a hung server. */
let silent: ReturnType<typeof createServer>;
const sockets = new Set<Socket>();
let url: string;

beforeAll(async () => {
  silent = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  url = `postgres://app:secret@127.0.0.1:${(silent.address() as AddressInfo).port}/jobs`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe('PostgreSQL store, database not answering', () => {
  it('opening fails after the connect timeout instead of hanging', async () => {
    const started = Date.now();
    await expect(PostgresJobStore.open({ connectionString: url, connectTimeoutMs: 300 })).rejects.toThrow(/timeout/i);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
