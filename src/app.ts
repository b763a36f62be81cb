import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApplicationFunction, Probot } from 'probot';
import type { Logger } from 'pino';
import { RepoConfigCache } from './config/config-cache.js';
import type { AppEnv } from './config/env.js';
import { acceptTrigger } from './handlers/accept-trigger.js';
import { BackgroundTasks } from './handlers/background.js';
import { ciEventFromCheckSuite, ciEventFromWorkflowRun, onCiCompleted } from './handlers/ci-feedback.js';
import { fromIssueComment, fromLabel, fromReview, fromReviewComment } from './handlers/trigger-event.js';
import { healthHandler } from './handlers/health.js';
import { RecentSet } from './handlers/recent-set.js';
import { startTranscriptPruning } from './handlers/transcript-retention.js';
import { endedWithoutWorker } from './pipeline/ended-without-worker.js';
import { JobRunner } from './jobs/runner.js';
import { isDeadOnThisHost, newWorkerId } from './jobs/worker-id.js';
import type { JobStore } from './jobs/store/types.js';
import { createWorker } from './pipeline/worker.js';
import type { Metrics } from './telemetry/metrics.js';
import { SandboxLifecycle } from './sandbox/lifecycle.js';
import type { SandboxProvider } from './sandbox/types.js';
import { guardRequests } from './github/octokit-plugins.js';
import type { Redactor } from './security/redactor.js';
import { Broker } from './broker/broker.js';
import { ignoreReason } from './triggers/ignore.js';
import { parseCommand } from './triggers/parse-command.js';
import { parseLabel } from './triggers/parse-label.js';
import { parseReview } from './triggers/parse-review.js';
import { webView } from './web/handler.js';
import { githubUrls } from './web/github-urls.js';

export interface AppDeps {
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
  /** How often the runner looks for work when nothing wakes it (ms). */
  pollMs?: number;
  leaseMs?: number;
  /** Least time between live-progress edits of a status comment (10 s by default). */
  progressIntervalMs?: number;
  /** How long a repository's config is served from memory without a push changing it (5 min by default). */
  configTtlMs?: number;
  /**
   * Where sandboxes reach this app's broker (`brokerUrl(env)`). Undefined: they cannot, and
   * runs fall back to the keys and a read-only token inside the sandbox.
   */
  brokerUrl?: string;
}

export interface IssueAgentApp {
  appFn: ApplicationFunction;
  runner: JobRunner;
  store: JobStore;
  /** Resolves when no job is queued or running anywhere and every acknowledgement is posted (tests, benchmarks). */
  idle(): Promise<void>;
  /** The broker's routes (`/broker/...`), added to the app's server; undefined without a broker URL. */
  brokerHandler?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** The web view's routes (`/ui/...`), added to the app's server. */
  webHandler: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** Ends the web view's open live streams: before the server closes, which waits for them. */
  closeWebStreams(): void;
}

/** Attempts a job gets (each a worker that died holding it) before it fails for good. */
export const MAX_ATTEMPTS = 3;

/** Wires the webhook handlers (thin) to the durable store and the runner that works it. */
export function createApp(deps: AppDeps): IssueAgentApp {
  let probot: Probot | undefined;
  // Every client the app uses goes through this guard: no write path can skip the redactor.
  const guard = guardRequests(deps.redactor);
  const octokitFor = async (installationId: number) => guard(await probot!.auth(installationId));
  const workerId = newWorkerId();
  const mintReadToken = async (installationId: number, repo: string) => {
    const appClient = guard(await probot!.auth());
    const { data } = await appClient.rest.apps.createInstallationAccessToken({
      installation_id: installationId,
      repositories: [repo],
      permissions: { contents: 'read' },
    });
    return data.token; // the guard has taught the redactor this token
  };
  const monthlyCostUsdPerInstallation = deps.env.monthlyCostUsdPerInstallation;
  const broker =
    deps.brokerUrl === undefined
      ? undefined
      : new Broker({
          store: deps.store,
          appEnv: deps.agentEnv,
          mintReadToken,
          log: deps.log,
          metrics: deps.metrics,
          monthlyCostUsdPerInstallation,
          // A limit reached or the provider refusing the key ends a run of this process at once.
          endRun: (jobId, reason) => runner.abortHere(jobId, reason),
        });
  const brokerHandler = broker?.handler();
  const { githubClientId: clientId, githubClientSecret: clientSecret } = deps.env;
  const web = webView({
    store: deps.store,
    oauth: clientId && clientSecret ? { clientId, clientSecret } : undefined,
    admins: deps.env.adminUsers,
    publicUrl: deps.env.publicUrl,
    urls: githubUrls(deps.env),
    monthlyCostUsdPerInstallation,
    log: deps.log,
  });
  const worker = createWorker({
    store: deps.store,
    workerId,
    octokitFor,
    mintReadToken,
    broker: broker && {
      session: { store: deps.store, url: deps.brokerUrl!, appEnv: deps.agentEnv, monthlyCostUsdPerInstallation },
      feed: broker.feed,
    },
    provider: deps.provider,
    agentEnv: deps.agentEnv,
    secrets: deps.redactor,
    appId: deps.env.appId ?? '',
    gheHost: deps.env.gheHost,
    runUrl:
      clientId && clientSecret && deps.env.publicUrl
        ? (jobId) => `${deps.env.publicUrl}/ui/runs/${encodeURIComponent(jobId)}`
        : undefined,
    log: deps.log,
    metrics: deps.metrics,
    progressIntervalMs: deps.progressIntervalMs,
  });
  const runner = new JobRunner({
    store: deps.store,
    run: worker,
    workerId,
    slots: deps.env.maxConcurrentJobs,
    limits: { global: deps.env.maxConcurrentJobs, perInstallation: deps.env.maxJobsPerInstallation },
    leaseMs: deps.leaseMs ?? 30_000,
    pollMs: deps.pollMs ?? 2_000,
    maxAttempts: MAX_ATTEMPTS,
    isDeadWorker: (id) => isDeadOnThisHost(id),
    onEndedWithoutWorker: (job) => endedWithoutWorker(job, { octokitFor, store: deps.store, log: deps.log }),
    log: deps.log,
  });
  // Acknowledgements of recorded jobs, posted after the webhook is answered.
  const background = new BackgroundTasks();
  const acceptDeps = {
    store: deps.store,
    runner,
    agentEnv: deps.agentEnv,
    brokered: broker !== undefined,
    monthlyCostUsdPerInstallation,
    configs: new RepoConfigCache({ ttlMs: deps.configTtlMs }),
    deniedOnce: new RecentSet<string>(10_000),
    background,
    log: deps.log,
  };

  const appFn: ApplicationFunction = async (app, options) => {
    probot = app;
    // Installation tokens are minted through the app's own client: guarded, it learns each one.
    guard(await app.auth());
    try {
      options?.addHandler?.(
        healthHandler({ store: deps.store, metrics: deps.metrics, brokered: broker !== undefined }),
      );
      if (brokerHandler) options?.addHandler?.(brokerHandler);
      options?.addHandler?.(web.handler);
    } catch {
      // Loaded without an HTTP server (probot.receive in tests): no routes to add.
    }
    app.on('issues.labeled', async (context) => {
      guard(context.octokit);
      // A label on a pull request is not a trigger: follow-ups are `/agent` comments.
      if (ignoreReason(context.payload) || !context.payload.label || context.payload.issue.pull_request) return;
      const label = context.payload.label.name;
      await acceptTrigger(fromLabel(context), (config) => parseLabel(label, config), acceptDeps);
    });
    app.on('issue_comment.created', async (context) => {
      guard(context.octokit);
      if (ignoreReason(context.payload)) return;
      const body = context.payload.comment.body;
      // Every command starts with "/": skip the config and permission calls for ordinary comments.
      if (!body.startsWith('/')) return;
      await acceptTrigger(fromIssueComment(context), (config) => parseCommand(body, config), acceptDeps);
    });
    app.on('pull_request_review_comment.created', async (context) => {
      guard(context.octokit);
      if (ignoreReason(context.payload)) return;
      const body = context.payload.comment.body;
      if (!body.startsWith('/')) return;
      await acceptTrigger(fromReviewComment(context), (config) => parseCommand(body, config), acceptDeps);
    });
    // CI feedback (`ciFix`): Actions results come as workflow runs (re-runnable, with job logs);
    // other apps' check suites as suites. Work after the webhook is answered: it reads logs.
    const ciDeps = { ...acceptDeps, redact: (text: string) => deps.redactor.redact(text) };
    app.on('workflow_run.completed', (context) => {
      guard(context.octokit);
      const ev = ciEventFromWorkflowRun(context);
      background.add(onCiCompleted(ev, ciDeps), (err) => deps.log.error({ err }, 'CI feedback failed'));
    });
    app.on('check_suite.completed', (context) => {
      guard(context.octokit);
      const ev = ciEventFromCheckSuite(context, deps.env.appId);
      if (ev) background.add(onCiCompleted(ev, ciDeps), (err) => deps.log.error({ err }, 'CI feedback failed'));
    });
    app.on('pull_request_review.submitted', async (context) => {
      guard(context.octokit);
      if (ignoreReason(context.payload)) return;
      const { review } = context.payload;
      // An approval or a plain comment without the command starts nothing whatever the config:
      // skip its config and permission calls.
      if (!review.body?.startsWith('/') && review.state.toLowerCase() !== 'changes_requested') return;
      await acceptTrigger(fromReview(context), (config) => parseReview(review, config), acceptDeps);
    });
    app.on('push', (context) => {
      // No GitHub call: a push that changes a config drops what this replica cached of it.
      const dropped = acceptDeps.configs.onPush(context.payload);
      if (dropped.length > 0)
        deps.log.info(
          { repo: context.payload.repository.full_name, dropped },
          'config changed: read again on next event',
        );
    });
    app.on('pull_request.closed', async (context) => {
      guard(context.octokit);
      // A kept sandbox is only there for follow-ups on this PR: it goes when the PR does.
      const { repository, pull_request: pr } = context.payload;
      const last = await deps.store.latestForPullRequest(
        { id: repository.id, owner: repository.owner.login, name: repository.name },
        pr.number,
      );
      // A run still working on the PR ends on its own (and kills its sandbox unless kept).
      if (last?.sandboxId && last.state !== 'queued' && last.state !== 'running')
        await new SandboxLifecycle(deps.provider, deps.log).killById(last.sandboxId, 'its pull request was closed');
    });
    runner.start();
    startTranscriptPruning({ store: deps.store, retentionDays: deps.env.transcriptRetentionDays, log: deps.log });
  };

  return {
    appFn,
    brokerHandler,
    webHandler: web.handler,
    closeWebStreams: () => web.closeStreams(),
    runner,
    store: deps.store,
    idle: async () => {
      for (;;) {
        await background.idle();
        const s = await deps.store.stats();
        if (s.queueDepth === 0 && s.running === 0 && runner.running === 0 && background.size === 0) return;
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}
