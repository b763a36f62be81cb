import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobStore, StoreStats } from '../jobs/store/types.js';

/** Prometheus metrics of one replica; job counts come from the shared store at scrape time. */
export class Metrics {
  readonly registry = new Registry();
  readonly runDuration = new Histogram({
    name: 'issue_agent_run_duration_seconds',
    help: 'Time from a job starting on a worker to its final state',
    labelNames: ['agent', 'outcome'],
    buckets: [10, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers: [this.registry],
  });
  readonly queueWait = new Histogram({
    name: 'issue_agent_queue_wait_seconds',
    help: 'Time from the trigger to a worker starting the job',
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900],
    registers: [this.registry],
  });
  readonly sandboxStarts = new Counter({
    name: 'issue_agent_sandbox_starts_total',
    help: 'Sandboxes created, by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly githubCalls = new Counter({
    name: 'issue_agent_github_api_calls_total',
    help: 'GitHub API requests made by the app, by HTTP status',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly rateLimitRemaining = new Gauge({
    name: 'issue_agent_github_rate_limit_remaining',
    help: 'x-ratelimit-remaining of the last GitHub API response',
    registers: [this.registry],
    // The app and its runner process each saw a last response: the lower is the one to worry about.
    aggregator: 'min',
  });

  readonly modelTokens = new Counter({
    name: 'issue_agent_model_tokens_total',
    help: 'Tokens of model calls through the broker, by repository, agent, model and kind (input, output, cache_read, cache_write)',
    labelNames: ['repo', 'agent', 'model', 'kind'],
    registers: [this.registry],
  });
  readonly modelCost = new Counter({
    name: 'issue_agent_model_cost_usd_total',
    help: 'Metered cost in USD of model calls through the broker, by repository, agent and model',
    labelNames: ['repo', 'agent', 'model'],
    registers: [this.registry],
  });
  readonly brokerRequests = new Counter({
    name: 'issue_agent_broker_requests_total',
    help: 'Requests sandboxes made to the broker, by route (anthropic, openai, git) and HTTP status',
    labelNames: ['route', 'status'],
    registers: [this.registry],
  });

  /** `store`: the job gauges, read at each scrape (the app's process has them; its runner process has none). */
  constructor(store?: JobStore) {
    const registry = this.registry;
    if (!store) return;
    // prom-client collects every metric of a scrape at once: the two gauges share one store query.
    let scrape: Promise<StoreStats> | undefined;
    const stats = () =>
      (scrape ??= store.stats().finally(() => {
        scrape = undefined;
      }));
    new Gauge({
      name: 'issue_agent_jobs',
      help: 'Jobs in the store by state and agent',
      labelNames: ['state', 'agent'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const { agent, state, count } of (await stats()).byAgent) this.set({ state, agent }, count);
      },
    });
    new Gauge({
      name: 'issue_agent_queue_depth',
      help: 'Jobs waiting to run',
      registers: [registry],
      async collect() {
        this.set((await stats()).queueDepth);
      },
    });
  }

  /** Counts one GitHub response (an Octokit `hook.after('request')` / `hook.error` callback). */
  observeGitHub(status: number, headers: Record<string, string | number | undefined> | undefined): void {
    this.githubCalls.inc({ status: String(status) });
    const remaining = Number(headers?.['x-ratelimit-remaining']);
    if (Number.isFinite(remaining)) this.rateLimitRemaining.set(remaining);
  }
}
