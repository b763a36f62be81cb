import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** The cluster's admin URL from the globalSetup, or a message saying how to get one. */
export function postgresAdminUrl(): string {
  const url = inject('postgresUrl');
  if (!url) throw new Error("No PostgreSQL for tests: add 'test/setup/postgres.ts' to vitest's globalSetup.");
  return url;
}

/** A new, empty database in the test cluster (about 50 ms). */
export async function createTestDatabase(adminUrl: string = postgresAdminUrl()): Promise<TestDatabase> {
  // Identifiers cannot be bound parameters: the name is generated here from hex digits only.
  const name = `t_${randomBytes(8).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
