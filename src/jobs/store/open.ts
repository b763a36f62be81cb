import { join } from 'node:path';
import { PostgresJobStore } from './postgres-store.js';
import { SqliteJobStore } from './sqlite-store.js';
import type { Clock, JobStore } from './types.js';

export interface OpenJobStoreOptions {
  /** DATA_DIR: the SQLite file lives here when no database URL is given. */
  dataDir: string;
  /** DATABASE_URL: PostgreSQL, required for several replicas. */
  databaseUrl?: string;
  now?: Clock;
  onError?: (err: Error) => void;
}

export const SQLITE_FILE = 'jobs.sqlite';

/** Opens (and migrates) the store the environment asks for: PostgreSQL if a URL is set, else SQLite. */
export async function openJobStore(options: OpenJobStoreOptions): Promise<JobStore> {
  if (options.databaseUrl) {
    return PostgresJobStore.open({ connectionString: options.databaseUrl, now: options.now, onError: options.onError });
  }
  return SqliteJobStore.open({ path: join(options.dataDir, SQLITE_FILE), now: options.now });
}
