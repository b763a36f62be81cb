import { run } from 'probot';
import { createApp } from './app.js';
import { EnvError, loadEnv, type AppEnv } from './config/env.js';
import { createLogger } from './log/logger.js';
import { E2BSandboxProvider } from './sandbox/e2b.js';
import { LocalSandboxProvider } from './sandbox/local.js';
import { startOrphanSweeper } from './sandbox/orphans.js';
import type { SandboxProvider } from './sandbox/types.js';
import { registerSecrets } from './security/secrets.js';
import { redactor } from './security/redactor.js';

/** Process start: validate the environment, then hand the server to Probot. */
async function main(): Promise<void> {
  let env: AppEnv;
  try {
    env = loadEnv(process.env);
  } catch (err) {
    if (err instanceof EnvError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  registerSecrets(process.env, redactor);
  const log = createLogger({ level: env.logLevel, format: env.logFormat });
  if (!env.appId) {
    log.info('APP_ID is not set: starting the GitHub App registration page (app.yml)');
    await run(() => undefined, { log });
    return;
  }
  let provider: SandboxProvider;
  let e2b: E2BSandboxProvider | undefined;
  if (env.sandboxProvider === 'local') {
    log.warn('SANDBOX_PROVIDER=local: agents run UNISOLATED on this host, as this user. Use it for development only.');
    provider = new LocalSandboxProvider();
  } else {
    provider = e2b = new E2BSandboxProvider({ apiKey: env.e2bApiKey! });
  }
  const { appFn, queue } = createApp({ env, provider, agentEnv: process.env, log });
  await run(appFn, { log });
  if (e2b) {
    // Sandboxes whose job is gone (a crash, a failed kill) are killed after a grace period.
    startOrphanSweeper({
      sandboxes: e2b,
      appId: env.appId,
      isJobActive: (jobId) => queue.isActive(jobId),
      graceMs: 10 * 60_000,
      onReport: (r) => r.killed.length && log.warn({ killed: r.killed }, 'killed orphaned sandboxes'),
      onError: (err) => log.warn({ err }, 'orphan sweep failed'),
    });
  }
}

main().catch((err: unknown) => {
  console.error(redactor.redact(err instanceof Error ? (err.stack ?? err.message) : String(err)));
  process.exit(1);
});
