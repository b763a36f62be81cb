import type { Logger } from 'pino';
import type { AppEnv } from './config/env.js';
import type { UsageFeed } from './broker/usage-feed.js';
import type { GitHub } from './github/octokit.js';
import { JobRunner } from './jobs/runner.js';
import type { JobStore } from './jobs/store/types.js';
import { isDeadOnThisHost, newWorkerId } from './jobs/worker-id.js';
import { endedWithoutWorker } from './pipeline/ended-without-worker.js';
import { createWorker } from './pipeline/worker.js';
import type { SandboxProvider } from './sandbox/types.js';
import type { Redactor } from './security/redactor.js';
import type { Metrics } from './telemetry/metrics.js';
import { runPageUrl } from './web/run-url.js';

/** Attempts a job gets (each a worker that died holding it) before it fails for good. */
export const MAX_ATTEMPTS = 3;

export interface JobRunnerDeps {
  env: AppEnv;
  store: JobStore;
  provider: SandboxProvider;
  /** Agent keys and base URLs (process.env in production). */
  agentEnv: Record<string, string | undefined>;
  log: Logger;
  /**
   * Every secret the app holds; it masks every request to GitHub (and, in main.ts, every log
   * line), and the pipeline checks the agent's changes against it before committing.
   */
  redactor: Redactor;
  metrics?: Metrics;
  octokitFor: (installationId: number) => Promise<GitHub>;
  mintReadToken: (installationId: number, repo: string) => Promise<string>;
  /** Where sandboxes reach the broker, and the broker's live meter of each job; none: keys enter sandboxes. */
  broker?: { url: string; feed: UsageFeed };
  /** How often the runner looks for work when nothing wakes it (ms). */
  pollMs?: number;
  leaseMs?: number;
  /** Least time between live-progress edits of a status comment (10 s by default). */
  progressIntervalMs?: number;
}

/** The job-running half of the app (the pipeline's worker under the runner), in whichever process runs it. */
export function createJobRunner(deps: JobRunnerDeps): JobRunner {
  const workerId = newWorkerId();
  const monthlyCostUsdPerInstallation = deps.env.monthlyCostUsdPerInstallation;
  const worker = createWorker({
    store: deps.store,
    workerId,
    octokitFor: deps.octokitFor,
    mintReadToken: deps.mintReadToken,
    broker: deps.broker && {
      session: { store: deps.store, url: deps.broker.url, appEnv: deps.agentEnv, monthlyCostUsdPerInstallation },
      feed: deps.broker.feed,
    },
    provider: deps.provider,
    agentEnv: deps.agentEnv,
    secrets: deps.redactor,
    appId: deps.env.appId ?? '',
    gheHost: deps.env.gheHost,
    runUrl: runPageUrl(deps.env),
    log: deps.log,
    metrics: deps.metrics,
    progressIntervalMs: deps.progressIntervalMs,
  });
  return new JobRunner({
    store: deps.store,
    run: worker,
    workerId,
    slots: deps.env.maxConcurrentJobs,
    limits: { global: deps.env.maxConcurrentJobs, perInstallation: deps.env.maxJobsPerInstallation },
    leaseMs: deps.leaseMs ?? 30_000,
    pollMs: deps.pollMs ?? 2_000,
    maxAttempts: MAX_ATTEMPTS,
    isDeadWorker: (id) => isDeadOnThisHost(id),
    onEndedWithoutWorker: (job) =>
      endedWithoutWorker(job, { octokitFor: deps.octokitFor, store: deps.store, log: deps.log }),
    log: deps.log,
  });
}
