import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { applyDotEnv } from './config/dotenv.js';
import { EnvError, loadEnv, type AppEnv } from './config/env.js';
import { DatabaseUnavailableError, openJobStore } from './jobs/store/open.js';
import type { JobStore } from './jobs/store/types.js';
import { E2BSandboxProvider } from './sandbox/e2b.js';
import { LocalSandboxProvider } from './sandbox/local.js';

/** What both of the app's processes (src/main.ts, src/runner-main.ts) do first. */

/** The validated environment, `.env` applied first (real variables win); exits with the message when it is invalid. */
export function loadProcessEnv(): AppEnv {
  try {
    // Probot's setup page writes the registered app's APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, ...
    // into .env: read it before anything looks at the environment.
    applyDotEnv(join(process.cwd(), '.env'), process.env);
    return loadEnv(process.env);
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}

/** The job store of `DATABASE_URL` (or SQLite in `DATA_DIR`); exits with the message when the database stays unreachable. */
export async function openStore(env: AppEnv, log: Logger): Promise<JobStore> {
  return openJobStore({
    dataDir: env.dataDir,
    databaseUrl: env.databaseUrl,
    onError: (err) => log.error({ err }, 'job store error'),
    onRetry: ({ attempt, waitMs, reason }) =>
      log.warn({ attempt, waitMs, reason }, 'the database is not reachable yet: trying again'),
  }).catch((err: unknown) => {
    if (!(err instanceof DatabaseUnavailableError)) throw err;
    console.error(err.message);
    process.exit(1);
  });
}

/** The sandbox provider of `SANDBOX_PROVIDER`. */
export function sandboxProvider(env: AppEnv): LocalSandboxProvider | E2BSandboxProvider {
  if (env.sandboxProvider === 'local') return new LocalSandboxProvider();
  return new E2BSandboxProvider({
    apiKey: env.e2bApiKey!,
    ...(env.e2bDomain !== undefined && { domain: env.e2bDomain }),
  });
}

/** A module next to this one, as this process runs it (`.js` when built, `.ts` through tsx). */
export function siblingModule(name: string): string {
  return fileURLToPath(new URL(`./${name}${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
}
