import { run } from 'probot';
import { createApp } from './app.js';
import { EnvError, loadEnv, type AppEnv } from './config/env.js';
import { createLogger } from './log/logger.js';
import { E2BSandboxProvider } from './sandbox/e2b.js';
import { LocalSandboxProvider } from './sandbox/local.js';
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
  const provider = createProvider(env, log);
  const { appFn } = createApp({ env, provider, agentEnv: process.env, log });
  await run(appFn, { log });
}

function createProvider(env: AppEnv, log: ReturnType<typeof createLogger>): SandboxProvider {
  if (env.sandboxProvider === 'local') {
    log.warn('SANDBOX_PROVIDER=local: agents run UNISOLATED on this host, as this user. Use it for development only.');
    return new LocalSandboxProvider();
  }
  return new E2BSandboxProvider({ apiKey: env.e2bApiKey! });
}

main().catch((err: unknown) => {
  console.error(redactor.redact(err instanceof Error ? (err.stack ?? err.message) : String(err)));
  process.exit(1);
});
