import { run, type ApplicationFunction, type Server } from 'probot';
import { createApp } from './app.js';
import { loadProcessEnv, openStore, sandboxProvider, siblingModule } from './boot.js';
import { appOctokit } from './github/app-octokit.js';
import { WriteQueues } from './github/write-queue.js';
import { brokerUrl, webViewHalfConfigured } from './config/env.js';
import { RunnerProcess } from './runner-link.js';
import { createLogger } from './telemetry/logger.js';
import { Metrics } from './telemetry/metrics.js';
import { E2BSandboxProvider } from './sandbox/e2b.js';
import { startOrphanSweeper } from './sandbox/orphans.js';
import { Redactor } from './security/redactor.js';
import { registerSecrets } from './security/secrets.js';

/** Every secret the process holds: the logger and every GitHub request are masked with it. */
const redactor = new Redactor();

/**
 * Process start: read .env, validate the environment, open the job store, start the runner
 * process (src/runner-main.ts: it runs the jobs), then hand the server to Probot.
 */
async function main(): Promise<void> {
  const env = loadProcessEnv();
  registerSecrets(process.env, redactor);
  const log = createLogger({ level: env.logLevel, format: env.logFormat, redactor });
  if (!env.appId) {
    log.info('APP_ID is not set: serving the GitHub App registration page (app.yml)');
    await runProbot(() => undefined, { log });
    return;
  }

  const store = await openStore(env, log);
  log.info({ store: store.kind }, 'job store open');
  const metrics = new Metrics(store);
  const provider = sandboxProvider(env);
  const e2b = provider instanceof E2BSandboxProvider ? provider : undefined;
  if (!e2b)
    log.warn('SANDBOX_PROVIDER=local: agents run UNISOLATED on this host, as this user. Use it for development only.');
  const broker = brokerUrl(env);
  if (broker) log.info({ brokerUrl: broker }, 'broker on: sandboxes reach the models and git through the app');
  else
    log.warn(
      'PUBLIC_URL is not set: sandboxes cannot reach the app, so agents get the model keys and a read-only GitHub token inside the sandbox, and spending is neither metered nor limited. Set PUBLIC_URL to the address sandboxes reach this app at.',
    );
  const halfWebView = webViewHalfConfigured(env);
  if (halfWebView) log.warn(halfWebView);
  // One write queue per installation for the whole replica: the runner process's writes wait
  // in these too, so the acknowledgements posted here go first.
  const queues = new WriteQueues({
    onRetry: (r) => log.warn(r, 'GitHub secondary rate limit: the installation writes again after retry-after'),
  });
  const runner = new RunnerProcess({ entry: siblingModule('runner-main'), queues, log });
  const app = createApp({
    env,
    store,
    provider,
    agentEnv: process.env,
    log,
    redactor,
    metrics,
    brokerUrl: broker,
    runner,
    inbox: true,
  });
  // Every client, in handlers and workers alike, has its calls counted for /metrics and its
  // writes paced per installation (app.ts guards each one it uses with the redactor).
  const Octokit = appOctokit({ metrics, queues });
  // The key checked above, as a PEM: Probot never has to parse it again, so it can never fall
  // back to its registration page while this app's store and sweeper run.
  const server = await runProbot(app.appFn, { log, Octokit }, env.privateKeyPem);

  const sweeper = e2b
    ? // Sandboxes whose job is gone (a crash, a failed kill) are killed after a grace period.
      startOrphanSweeper({
        sandboxes: e2b,
        appId: env.appId,
        isJobActive: (jobId) => store.isActive(jobId),
        isSandboxInUse: (sandboxId, now) => store.sandboxInUse(sandboxId, now),
        graceMs: 10 * 60_000,
        onReport: (r) => void (r.killed.length && log.warn({ killed: r.killed }, 'killed orphaned sandboxes')),
        onError: (err) => log.warn({ err }, 'orphan sweep failed'),
      })
    : undefined;

  // SIGTERM (a deploy): stop taking jobs, let running ones finish within the grace period,
  // hand the rest back to the queue, then exit. A second signal exits at once.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal, graceSeconds: env.shutdownGraceSeconds, running: app.runner.running }, 'shutting down');
    await sweeper?.stop();
    // An open live transcript in a browser would keep the server from closing.
    app.closeWebStreams();
    await server.stop().catch(() => undefined);
    await app.runner.stop(env.shutdownGraceSeconds * 1000);
    await store.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', (s) => void shutdown(s));
}

/**
 * Probot's run() reads .env again and assigns it over process.env: the file would beat the real
 * environment, and Probot would take APP_ID, PORT, WEBHOOK_SECRET, ... from it while the rest of
 * the app used the values validated above. So Probot reads its options from the environment as
 * resolved here, and process.env gets those values back once run() returns.
 */
async function runProbot(
  appFn: ApplicationFunction,
  options: NonNullable<Parameters<typeof run>[1]>,
  privateKeyPem?: string,
): Promise<Server> {
  // Probot binds to localhost when HOST is unset; the app (and its Docker image) listens on all interfaces.
  const resolved = { ...process.env, HOST: process.env.HOST || '0.0.0.0' };
  const forProbot = privateKeyPem ? { ...resolved, PRIVATE_KEY: privateKeyPem } : resolved;
  try {
    return await run(appFn, { ...options, env: forProbot });
  } finally {
    for (const [name, value] of Object.entries(resolved))
      if (value !== undefined && process.env[name] !== value) process.env[name] = value;
  }
}

main().catch((err: unknown) => {
  console.error(redactor.redact(err instanceof Error ? (err.stack ?? err.message) : String(err)));
  process.exit(1);
});
