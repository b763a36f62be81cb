import { Probot } from 'probot';
import { loadProcessEnv, openStore, sandboxProvider } from './boot.js';
import { UsageFeed } from './broker/usage-feed.js';
import { brokerUrl } from './config/env.js';
import { appOctokit } from './github/app-octokit.js';
import { installationAccess } from './github/installation-access.js';
import { createJobRunner } from './job-runner.js';
import { RemoteWriteQueues, serveRunnerLink } from './runner-link.js';
import { Redactor } from './security/redactor.js';
import { registerSecrets } from './security/secrets.js';
import { createLogger } from './telemetry/logger.js';
import { Metrics } from './telemetry/metrics.js';

/**
 * The runner process, started by the app (src/main.ts) with `fork`: it claims jobs from the
 * store and runs them (sandboxes, agents, commits, PRs), so that no run holds up the app's
 * webhook server. Its GitHub writes take their turn in the app's write queues, over the link.
 */
const redactor = new Redactor();

async function main(): Promise<void> {
  if (!process.send) {
    console.error('src/runner-main.ts is started by the app (src/main.ts), not on its own.');
    process.exit(1);
  }
  const env = loadProcessEnv();
  registerSecrets(process.env, redactor);
  const log = createLogger({ level: env.logLevel, format: env.logFormat, redactor }).child({ process: 'runner' });
  const store = await openStore(env, log);
  const metrics = new Metrics();
  const writes = new RemoteWriteQueues();
  const probot = new Probot({
    appId: env.appId,
    privateKey: env.privateKeyPem,
    log,
    Octokit: appOctokit({ metrics, queues: writes }),
    ...(env.gheHost && { baseUrl: `${env.gheProtocol ?? 'https'}://${env.gheHost}/api/v3` }),
  });
  const { octokitFor, mintReadToken } = installationAccess((id) => probot.auth(id), redactor);
  const broker = brokerUrl(env);
  const feed = new UsageFeed();
  const runner = createJobRunner({
    env,
    store,
    provider: sandboxProvider(env),
    agentEnv: process.env,
    log,
    redactor,
    metrics,
    octokitFor,
    mintReadToken,
    broker: broker === undefined ? undefined : { url: broker, feed },
  });
  const stop = async (graceMs: number) => {
    log.info({ graceMs, running: runner.running }, 'runner stopping');
    await runner.stop(graceMs);
    await store.close();
    process.exit(0);
  };
  serveRunnerLink({
    runner,
    onUsage: (jobId, totals) => feed.publish(jobId, totals),
    metrics: () => metrics.registry.getMetricsAsJSON(),
    stop,
    shutdownGraceMs: env.shutdownGraceSeconds * 1000,
    writes,
  });
  runner.start();
  log.info({ slots: env.maxConcurrentJobs }, 'runner started');
}

main().catch((err: unknown) => {
  console.error(redactor.redact(err instanceof Error ? (err.stack ?? err.message) : String(err)));
  process.exit(1);
});
