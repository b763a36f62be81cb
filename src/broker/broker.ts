import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AgentEnv } from '../agents/types.js';
import { isSecretRef, parseAllowedEnv, resolveValue } from '../config/mcp-config.js';
import type { AbortReason } from '../domain/abort.js';
import type { JobStore, StoredJob } from '../jobs/store/types.js';
import type { Metrics } from '../telemetry/metrics.js';
import { limitsOf, monthlyLimitReached, runLimitReached } from './budget.js';
import { storeAuthorizer } from './capability.js';
import { gitProxy } from './git-proxy.js';
import { mcpProxy, type McpUpstream } from './mcp-proxy.js';
import { modelProxy, type Provider } from './model-proxy.js';
import { costOf } from './pricing.js';
import { keyVariable, upstreamsOf } from './sandbox-env.js';
import type { Grant, MeteredUsage } from './types.js';
import { UsageFeed } from './usage-feed.js';

export interface BrokerDeps {
  store: JobStore;
  /** The app's own keys and base URLs: the proxy's upstreams. */
  appEnv: AgentEnv;
  /** A read-only token for one repository of an installation (the git endpoint's upstream credential). */
  mintReadToken(installationId: number, repo: string): Promise<string>;
  log: Logger;
  metrics?: Metrics;
  monthlyCostUsdPerInstallation?: number;
  /** Ends a run working in this process at once; false when it runs elsewhere (its worker checks the meter). */
  endRun(jobId: string, reason: Extract<AbortReason, { kind: 'ended' }>): boolean;
  now?: () => number;
}

/** Installation tokens live an hour; one is reused for a repository this long. */
const READ_TOKEN_REUSE_MS = 45 * 60_000;

/**
 * The endpoints sandboxes reach instead of the model APIs and GitHub (`/broker/...` on the
 * app's server): each request is authorized by its job's capability token, metered, and
 * checked against the spending limits, and made upstream with the app's own credentials.
 */
export class Broker {
  /** Each job's metered totals as they change, for the worker running it here. */
  readonly feed = new UsageFeed();
  private readonly readTokens = new Map<string, { token: Promise<string>; until: number }>();
  private readonly now: () => number;

  constructor(private readonly deps: BrokerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The request handler for the app's HTTP server: true when the request was the broker's. */
  handler(): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
    const { deps } = this;
    const authorize = storeAuthorizer(deps.store);
    const log = deps.log.child({ component: 'broker' });
    const git = gitProxy({ authorize, readToken: (grant) => this.readToken(grant), log });
    const models = modelProxy({
      authorize,
      admit: (grant) => this.admit(grant),
      onUsage: (grant, usage) => {
        this.meter(grant, usage).catch((err: unknown) =>
          log.error({ err, job: grant.jobId }, 'could not meter a call'),
        );
      },
      onUpstreamError: (grant, provider, status) => this.upstreamError(grant, provider, status),
      // Looked up per request, from the environment the agents' keys come from.
      upstreams: {
        get anthropic() {
          return upstreamsOf(deps.appEnv).anthropic;
        },
        get openai() {
          return upstreamsOf(deps.appEnv).openai;
        },
      },
      log,
    });
    const mcp = mcpProxy({ authorize, upstream: (grant, server) => this.mcpUpstream(grant, server), log });
    return async (req, res) => {
      const route = /^\/broker\/(anthropic|openai|git|mcp)\//.exec(req.url ?? '')?.[1];
      if (!route) return false;
      res.once('finish', () => deps.metrics?.brokerRequests.inc({ route, status: String(res.statusCode) }));
      if (route === 'mcp') return mcp(req, res);
      return route === 'git' ? git(req, res) : models(req, res);
    };
  }

  /** A remote MCP server of the job's repository config, its secret headers filled from the app's environment. */
  private async mcpUpstream(grant: Grant, server: string): Promise<McpUpstream | undefined> {
    const remote = (await this.deps.store.get(grant.jobId))?.job.config.mcp?.remote;
    if (!remote || !Object.hasOwn(remote, server)) return undefined;
    const { url, headers } = remote[server]!;
    // Checked again here: the operator may have withdrawn a variable since the job was accepted.
    const allowed = parseAllowedEnv(this.deps.appEnv.MCP_ALLOWED_ENV);
    const filled = Object.entries(headers).map(([name, value]) => {
      if (isSecretRef(value) && !allowed.includes(value.env))
        throw new Error(`the app's variable ${value.env} is not in its MCP_ALLOWED_ENV`);
      return [name, resolveValue(value, this.deps.appEnv)];
    });
    return { url, headers: Object.fromEntries(filled) as Record<string, string> };
  }

  /** Refuses a model call once the run or the month has reached its limit. */
  private async admit(grant: Grant): Promise<string | undefined> {
    const stored = await this.deps.store.get(grant.jobId);
    if (!stored) return 'issue-agent: this run has ended';
    const reason = await this.overLimit(stored, stored.usage?.costUsd ?? 0);
    return reason && `issue-agent stopped this run: ${reason}. No further model calls are allowed.`;
  }

  /** Prices one response, adds it to the job, and stops the run when it crossed a limit. */
  private async meter(grant: Grant, usage: MeteredUsage): Promise<void> {
    const { store, metrics } = this.deps;
    const stored = await store.get(grant.jobId);
    if (!stored) return;
    const { costUsd, pricedAs } = costOf(usage, stored.job.config.pricing);
    const { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens } = usage;
    const totals = await store.addUsage(grant.jobId, {
      inputTokens,
      outputTokens,
      cacheReadTokens,
      cacheWriteTokens,
      costUsd,
      pricedAs,
    });
    if (!totals) return;
    const labels = { repo: `${grant.repo.owner}/${grant.repo.name}`, agent: stored.agent, model: usage.model };
    metrics?.modelCost.inc(labels, costUsd);
    for (const [kind, n] of [
      ['input', inputTokens],
      ['output', outputTokens],
      ['cache_read', cacheReadTokens],
      ['cache_write', cacheWriteTokens],
    ] as const)
      if (n > 0) metrics?.modelTokens.inc({ ...labels, kind }, n);
    this.feed.publish(grant.jobId, totals);
    const reason = await this.overLimit(stored, totals.costUsd);
    if (reason) this.end(grant, { kind: 'stopped', reason });
  }

  private async overLimit(stored: StoredJob, runSpentUsd: number): Promise<string | undefined> {
    const limits = limitsOf(stored.job.config, this.deps.monthlyCostUsdPerInstallation);
    const { owner, name } = stored.job.repo;
    return (
      runLimitReached(limits, runSpentUsd) ??
      (await monthlyLimitReached(
        this.deps.store,
        { installationId: stored.installationId, repo: { owner, name } },
        limits,
        this.now(),
      ))
    );
  }

  /** The provider refused the app's own key: no retry helps, the run ends naming the variable to fix. */
  private upstreamError(grant: Grant, provider: Provider, status: number): void {
    if (status !== 401) return;
    const variable = keyVariable(provider, this.deps.appEnv);
    this.end(grant, {
      kind: 'failed',
      reason: `the ${provider === 'anthropic' ? 'Anthropic' : 'OpenAI'} API refused the app's key (HTTP 401): ask whoever runs this app to check \`${variable}\``,
    });
  }

  private end(grant: Grant, outcome: Extract<AbortReason, { kind: 'ended' }>['outcome']): void {
    const here = this.deps.endRun(grant.jobId, { kind: 'ended', outcome });
    this.deps.log.warn({ job: grant.jobId, reason: outcome.reason, here }, 'the broker ends the run');
  }

  /** A read-only token for the grant's repository, minted once and reused while it is fresh. */
  private readToken(grant: Grant): Promise<string> {
    const key = `${grant.installationId}/${grant.repo.owner}/${grant.repo.name}`.toLowerCase();
    const cached = this.readTokens.get(key);
    if (cached && cached.until > this.now()) return cached.token;
    for (const [k, v] of this.readTokens) if (v.until <= this.now()) this.readTokens.delete(k);
    const token = this.deps.mintReadToken(grant.installationId, grant.repo.name);
    this.readTokens.set(key, { token, until: this.now() + READ_TOKEN_REUSE_MS });
    token.catch(() => this.readTokens.delete(key));
    return token;
  }
}
