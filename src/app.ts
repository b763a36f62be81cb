import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApplicationFunction, Probot } from 'probot';
import { RepoConfigCache } from './config/config-cache.js';
import { acceptTrigger } from './handlers/accept-trigger.js';
import { BackgroundTasks } from './handlers/background.js';
import { WebhookInbox, type Delivery } from './handlers/inbox.js';
import { newWorkerId } from './jobs/worker-id.js';
import { ciEventFromCheckSuite, ciEventFromWorkflowRun, onCiCompleted } from './handlers/ci-feedback.js';
import { fromIssueComment, fromLabel, fromReview, fromReviewComment } from './handlers/trigger-event.js';
import { healthHandler } from './handlers/health.js';
import { RecentSet } from './handlers/recent-set.js';
import { startTranscriptPruning } from './handlers/transcript-retention.js';
import { createJobRunner, type JobRunnerDeps } from './job-runner.js';
import type { RunnerControl } from './jobs/runner.js';
import type { JobStore } from './jobs/store/types.js';
import type { UsageTotals } from './domain/usage.js';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { SandboxLifecycle } from './sandbox/lifecycle.js';
import { installationAccess } from './github/installation-access.js';
import { Broker } from './broker/broker.js';
import { ignoreReason } from './triggers/ignore.js';
import { parseCommand } from './triggers/parse-command.js';
import { parseLabel } from './triggers/parse-label.js';
import { parseReview } from './triggers/parse-review.js';
import { deleteLosingBranches } from './handlers/pick.js';
import { webView } from './web/handler.js';
import { githubUrls } from './web/github-urls.js';

/** The process's pieces (as the runner's worker takes them), and how the app runs its jobs. */
export interface AppDeps extends Omit<JobRunnerDeps, 'octokitFor' | 'mintReadToken' | 'broker'> {
  /** How long a repository's config is served from memory without a push changing it (5 min by default). */
  configTtlMs?: number;
  /**
   * Where sandboxes reach this app's broker (`brokerUrl(env)`). Undefined: they cannot, and
   * runs fall back to the keys and a read-only token inside the sandbox.
   */
  brokerUrl?: string;
  /**
   * Answer a trigger's webhook once its delivery is in the store's inbox, and process it after
   * the answer (src/handlers/inbox.ts); by default it is processed before the answer.
   */
  inbox?: boolean;
  /**
   * The runner, when it runs in a process of its own (`RunnerProcess`), with the broker's meter
   * forwarded to it; by default the jobs run in this process.
   */
  runner?: RunnerControl & {
    usage?(jobId: string, totals: UsageTotals): void;
    metrics?(): Promise<MetricObjectWithValues<MetricValue<string>>[]>;
  };
}

export interface IssueAgentApp {
  appFn: ApplicationFunction;
  runner: RunnerControl;
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

/** Wires the webhook handlers (thin) to the durable store and the runner that works it. */
export function createApp(deps: AppDeps): IssueAgentApp {
  let probot: Probot | undefined;
  // Every client the app uses goes through the guard: no write path can skip the redactor.
  const { guard, octokitFor, mintReadToken } = installationAccess((id) => probot!.auth(id), deps.redactor);
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
          // A limit reached or the provider refusing the key ends a run of this replica at once.
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
  const runner: RunnerControl =
    deps.runner ??
    createJobRunner({
      ...deps,
      octokitFor,
      mintReadToken,
      broker: broker && { url: deps.brokerUrl!, feed: broker.feed },
    });
  // A runner in another process follows the broker's meter through its link.
  if (deps.runner?.usage && broker) broker.feed.subscribeAll(deps.runner.usage.bind(deps.runner));
  // Acknowledgements of recorded jobs, posted after the webhook is answered.
  const background = new BackgroundTasks();
  const acceptDeps = {
    store: deps.store,
    runner,
    agentEnv: deps.agentEnv,
    brokered: broker !== undefined,
    monthlyCostUsdPerInstallation,
    configs: new RepoConfigCache({ ttlMs: deps.configTtlMs }),
    mcp: { allowedEnv: deps.env.mcpAllowedEnv, sandboxProvider: deps.env.sandboxProvider },
    deniedOnce: new RecentSet<string>(10_000),
    background,
    doctor: {
      provider: deps.provider,
      e2bKey: !!deps.env.e2bApiKey,
      brokerUrl: broker ? deps.brokerUrl : undefined,
      gheHost: deps.env.gheHost,
    },
    log: deps.log,
  };

  // Triggers answered once their delivery is recorded (production), or processed before the answer.
  const inbox = deps.inbox
    ? new WebhookInbox({ store: deps.store, owner: newWorkerId(), background, log: deps.log })
    : undefined;
  const intake = (delivery: Delivery, process: () => Promise<void>) =>
    inbox ? inbox.intake(delivery, process) : process();

  const appFn: ApplicationFunction = async (app, options) => {
    probot = app;
    // Installation tokens are minted through the app's own client: guarded, it learns each one.
    guard(await app.auth());
    try {
      options?.addHandler?.(
        healthHandler({
          store: deps.store,
          metrics: deps.metrics,
          brokered: broker !== undefined,
          runnerMetrics: deps.runner?.metrics?.bind(deps.runner),
        }),
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
      await intake(context, () => acceptTrigger(fromLabel(context), (config) => parseLabel(label, config), acceptDeps));
    });
    app.on('issue_comment.created', async (context) => {
      guard(context.octokit);
      if (ignoreReason(context.payload)) return;
      const body = context.payload.comment.body;
      // Every command starts with "/": skip the config and permission calls for ordinary comments.
      if (!body.startsWith('/')) return;
      await intake(context, () =>
        acceptTrigger(fromIssueComment(context), (config) => parseCommand(body, config), acceptDeps),
      );
    });
    app.on('pull_request_review_comment.created', async (context) => {
      guard(context.octokit);
      if (ignoreReason(context.payload)) return;
      const body = context.payload.comment.body;
      if (!body.startsWith('/')) return;
      await intake(context, () =>
        acceptTrigger(fromReviewComment(context), (config) => parseCommand(body, config), acceptDeps),
      );
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
      await intake(context, () =>
        acceptTrigger(fromReview(context), (config) => parseReview(review, config), acceptDeps),
      );
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
      // A compare's losing branches go too, after the webhook is answered.
      const repo = { id: repository.id, owner: repository.owner.login, name: repository.name };
      acceptDeps.background.add(
        deleteLosingBranches(context.octokit, deps.store, repo, { number: pr.number, headRef: pr.head.ref }, deps.log),
        (err) => deps.log.warn({ err, pr: pr.number }, 'could not clean up the compare branches'),
      );
    });
    runner.start();
    startTranscriptPruning({ store: deps.store, retentionDays: deps.env.transcriptRetentionDays, log: deps.log });
    if (inbox) {
      // What a process that died left in the inbox, through the handlers above: now, and every
      // minute (another replica's).
      const recover = () =>
        void inbox
          .recover((d) => app.receive(d as Parameters<Probot['receive']>[0]))
          .catch((err: unknown) => deps.log.error({ err }, 'looking for left deliveries failed'));
      recover();
      setInterval(recover, 60_000).unref();
    }
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
