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
  /** How long to keep trying to reach PostgreSQL at start (default 30 s). */
  connectForMs?: number;
  /** Told before each wait between attempts to reach PostgreSQL. */
  onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
}

export const SQLITE_FILE = 'jobs.sqlite';

/** How long the app keeps trying to reach its database at start. */
export const DATABASE_CONNECT_MS = 30_000;

/** The database stayed out of reach (or refused us): the message names DATABASE_URL and host:port, never the password. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Opens (and migrates) the store the environment asks for: PostgreSQL if a URL is set, else SQLite. */
export async function openJobStore(options: OpenJobStoreOptions): Promise<JobStore> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options);
  return SqliteJobStore.open({ path: join(options.dataDir, SQLITE_FILE), now: options.now });
}

/**
 * PostgreSQL may come up after the app (a compose file, a restarted server): network errors are
 * retried with backoff (0.5 s doubling to 5 s) for `connectForMs`, then the app gives up with one line.
 */
async function openPostgres(url: string, options: OpenJobStoreOptions): Promise<PostgresJobStore> {
  const where = hostPort(url);
  const deadline = Date.now() + (options.connectForMs ?? DATABASE_CONNECT_MS);
  for (let attempt = 1; ; attempt++) {
    try {
      return await PostgresJobStore.open({
        connectionString: url,
        now: options.now,
        onError: options.onError,
        // One attempt never outlasts the whole budget (an unanswered SYN waits for the timeout).
        connectTimeoutMs: Math.max(1_000, Math.min(10_000, deadline - Date.now())),
      });
    } catch (err) {
      const reason = withoutPassword(describe(err), url);
      if (!isTransient(err)) {
        throw new DatabaseUnavailableError(`DATABASE_URL: the database at ${where} refused the app: ${reason}`);
      }
      const waitMs = Math.min(500 * 2 ** (attempt - 1), 5_000, deadline - Date.now());
      if (waitMs <= 0) {
        const seconds = Math.round((options.connectForMs ?? DATABASE_CONNECT_MS) / 1000);
        throw new DatabaseUnavailableError(
          `DATABASE_URL: cannot reach the database at ${where} (${reason}); gave up after ${seconds} s`,
        );
      }
      options.onRetry?.({ attempt, waitMs, reason });
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}

/** `host:port` of a postgres:// URL (5432 when it names none); never its user or password. */
export function hostPort(url: string): string {
  try {
    const u = new URL(url);
    const host = decodeURIComponent(u.hostname) || 'localhost';
    return `${host}:${u.port || '5432'}`;
  } catch {
    return 'an unparseable URL';
  }
}

/** Errors of reaching the server, not of what it answered: worth another try. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '57P03', // the database system is starting up
  '53300', // too many connections
]);

function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return TRANSIENT_CODES.has(code);
  // pg's own connect timeout and a connection closed during the handshake carry no code.
  return err instanceof Error && /timeout|terminated/i.test(err.message);
}

/** `text` with the URL's password masked, should a driver message ever quote it. */
function withoutPassword(text: string, url: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // an unparseable URL: nothing to find
  }
  return password ? text.replaceAll(password, '***') : text;
}

/** The error code (a network error's message repeats the address) or the server's message, which holds no password. */
function describe(err: unknown): string {
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  const text = typeof message === 'string' && message ? message : String(err);
  return typeof code === 'string' ? `${text} (${code})` : text;
}
