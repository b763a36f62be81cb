import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openJobStore, SQLITE_FILE, type Clock, type JobStore } from '../../../src/jobs/store/index.js';
import { createTestDatabase } from '../../setup/postgres-database.js';

export { makeJob, type JobSpec } from './make-job.js';

/**
 * Storage for one test: `open()` may be called several times to get independent store
 * instances (separate connections) on the same data, like replicas. `query` reads raw rows.
 */
export interface StoreFixture {
  open(now?: Clock): Promise<JobStore>;
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  cleanup(): Promise<void>;
}

export type BackendName = 'sqlite' | 'postgres';

export async function createFixture(backend: BackendName): Promise<StoreFixture> {
  const opened: JobStore[] = [];
  if (backend === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'job-store-'));
    return {
      async open(now) {
        const s = await openJobStore({ dataDir: dir, now });
        opened.push(s);
        return s;
      },
      async query(sql, params = []) {
        const db = new Database(join(dir, SQLITE_FILE));
        try {
          const stmt = db.prepare(sql);
          if (stmt.reader) return stmt.all(...params) as Record<string, unknown>[];
          stmt.run(...params);
          return [];
        } finally {
          db.close();
        }
      },
      async cleanup() {
        await Promise.all(opened.map((s) => s.close()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const db = await createTestDatabase();
  return {
    async open(now) {
      const s = await openJobStore({ dataDir: '/nonexistent', databaseUrl: db.url, now });
      opened.push(s);
      return s;
    },
    async query(sql, params = []) {
      // $1 placeholders for PostgreSQL; the contract tests write `?` for both.
      let i = 0;
      const text = sql.replace(/\?/g, () => `$${++i}`);
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        return (await c.query<Record<string, unknown>>(text, params)).rows;
      } finally {
        await c.end();
      }
    },
    async cleanup() {
      await Promise.all(opened.map((s) => s.close()));
      await db.drop();
    },
  };
}
