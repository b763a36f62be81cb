import type { Octokit } from '@octokit/core';
import type { WriteRequestOptions } from './octokit.js';

/**
 * GitHub asks for at least a second between writes (POST, PATCH, PUT, DELETE) of one token
 * and answers faster writes with secondary rate limits. Probot's throttling keeps one write
 * queue for the whole process (its Bottleneck groups are module-level, and the clients of
 * webhook handlers all share one `throttle.id`): every installation's writes waited behind
 * every other's. Here each installation has its own queue, and within it the acknowledgement
 * of a trigger (👀, the first status comment) goes ahead of background writes (commits, the
 * PR, check runs, progress edits).
 */
export interface WriteQueueOptions {
  /** Least time from the end of one write of an installation to the start of its next (1 s). */
  intervalMs?: number;
  /** Seconds to hold an installation's writes after a secondary rate limit without `retry-after` (60). */
  fallbackRetryAfterSeconds?: number;
  /** How often a write refused by a secondary rate limit is tried again (2). */
  maxRetries?: number;
  now?: () => number;
  onRetry?: (info: { installationId: number; retryAfterMs: number; method: string; url: string }) => void;
}

interface Pending {
  send: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  retries: number;
  superseded?: AbortSignal;
  onAbort?: () => void;
  method: string;
  url: string;
}

interface InstallationQueue {
  /** Acknowledgements, sent first. */
  first: Pending[];
  background: Pending[];
  /** Earliest time the next write may start. */
  nextAt: number;
  draining: boolean;
}

/** Where a write waits for its turn: this process's queues, or (in the runner process) the app's own. */
export interface WriteScheduler {
  schedule<T>(
    installationId: number,
    send: () => Promise<T>,
    options?: { acknowledgement?: boolean; superseded?: AbortSignal; method?: string; url?: string },
  ): Promise<T>;
}

/** The per-installation write queues of one process. */
export class WriteQueues implements WriteScheduler {
  private readonly queues = new Map<number, InstallationQueue>();
  private readonly intervalMs: number;
  private readonly fallbackRetryAfterMs: number;
  private readonly maxRetries: number;
  private readonly now: () => number;

  constructor(private readonly options: WriteQueueOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.fallbackRetryAfterMs = (options.fallbackRetryAfterSeconds ?? 60) * 1_000;
    this.maxRetries = options.maxRetries ?? 2;
    this.now = options.now ?? Date.now;
  }

  /** Writes waiting or being sent, in all installations. */
  get pending(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.first.length + q.background.length + (q.draining ? 1 : 0);
    return n;
  }

  /**
   * Sends `send` when the installation's queue allows. An acknowledgement goes ahead of every
   * background write still waiting. A write whose `superseded` signal aborts while it is still
   * waiting is never sent: it rejects with the signal's reason.
   */
  schedule<T>(
    installationId: number,
    send: () => Promise<T>,
    options: { acknowledgement?: boolean; superseded?: AbortSignal; method?: string; url?: string } = {},
  ): Promise<T> {
    const q = this.queueOf(installationId);
    return new Promise<T>((resolve, reject) => {
      const job: Pending = {
        send,
        resolve: resolve as (v: unknown) => void,
        reject,
        retries: 0,
        method: options.method ?? 'WRITE',
        url: options.url ?? '',
      };
      const lane = options.acknowledgement ? q.first : q.background;
      const { superseded } = options;
      if (superseded) {
        if (superseded.aborted) return reject(reasonOf(superseded));
        job.superseded = superseded;
        job.onAbort = () => {
          const at = lane.indexOf(job);
          if (at < 0) return; // already being sent
          lane.splice(at, 1);
          reject(reasonOf(superseded));
        };
        superseded.addEventListener('abort', job.onAbort, { once: true });
      }
      lane.push(job);
      void this.drain(installationId, q);
    });
  }

  private queueOf(installationId: number): InstallationQueue {
    let q = this.queues.get(installationId);
    if (!q) this.queues.set(installationId, (q = { first: [], background: [], nextAt: 0, draining: false }));
    return q;
  }

  private async drain(installationId: number, q: InstallationQueue): Promise<void> {
    if (q.draining) return;
    q.draining = true;
    try {
      while (q.first.length + q.background.length > 0) {
        const wait = q.nextAt - this.now();
        // The next write is chosen after the wait, so an acknowledgement that arrived meanwhile goes first.
        if (wait > 0) await sleep(wait);
        const lane = q.first.length > 0 ? q.first : q.background;
        const job = lane.shift();
        if (!job) continue;
        try {
          const result = await job.send().finally(() => this.spaceAfter(q));
          this.settled(job);
          job.resolve(result);
        } catch (err) {
          const limit = rateLimit(err, this.now());
          if (limit?.kind === 'secondary' || limit?.kind === 'primary') {
            const retryAfterMs = limit.retryAfterMs ?? this.fallbackRetryAfterMs;
            // Nothing more of this installation is sent before GitHub allows it again.
            q.nextAt = Math.max(q.nextAt, this.now() + retryAfterMs);
            // A secondary limit refused the write (nothing was done): it goes again, first in its lane.
            if (limit.kind === 'secondary' && job.retries < this.maxRetries) {
              job.retries++;
              this.options.onRetry?.({ installationId, retryAfterMs, method: job.method, url: job.url });
              lane.unshift(job);
              continue;
            }
          }
          this.settled(job);
          job.reject(err);
        }
      }
    } finally {
      q.draining = false;
    }
  }

  /**
   * The interval counts from the end of a write, not its start: started a second apart, two
   * writes may still reach GitHub less than a second apart (the first one's start delayed by a
   * busy event loop or a token fetch, not the second's), and GitHub refuses the second.
   */
  private spaceAfter(q: InstallationQueue): void {
    q.nextAt = this.now() + this.intervalMs;
  }

  private settled(job: Pending): void {
    if (job.onAbort) job.superseded?.removeEventListener('abort', job.onAbort);
  }
}

/** A secondary (per-token burst) or primary (hourly quota) rate limit in a failed request, if that is what it is. */
function rateLimit(err: unknown, now: number): { kind: 'secondary' | 'primary'; retryAfterMs?: number } | undefined {
  const e = err as { status?: number; message?: string; response?: { headers?: Record<string, string | undefined> } };
  if (e?.status !== 403 && e?.status !== 429) return undefined;
  const headers = e.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter))
    return { kind: 'secondary', retryAfterMs: Math.max(0, retryAfter) * 1_000 };
  if (/secondary rate limit/i.test(e.message ?? '')) return { kind: 'secondary' };
  if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    return {
      kind: 'primary',
      retryAfterMs: Number.isFinite(reset) ? Math.max(0, reset * 1_000 - now) + 1_000 : undefined,
    };
  }
  return e.status === 429 ? { kind: 'secondary' } : undefined;
}

/** Why `signal` aborted, as the error a superseded write rejects with (the writer's own reason, when it gave an Error). */
export function reasonOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('superseded by a newer write');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Token requests are not writes (and an installation client mints its token from inside a write). */
const AUTH_ROUTE =
  /^\/(?:app\/installations\/[^/]+\/access_tokens|applications\/[^/]+\/token(?:\/scoped)?|login\/oauth\/access_token)$/;

/**
 * The Octokit plugin: every write of an installation client (one whose auth names an
 * installation, as Probot's handler and `auth(id)` clients do) goes through that
 * installation's queue. Reads, token requests and the app's own client are not queued. Off
 * when the client's throttling is off (`throttle: { enabled: false }`, as in tests).
 */
export function installationWriteQueue(
  options: WriteQueueOptions = {},
  queues: WriteScheduler = new WriteQueues(options),
) {
  return (octokit: Octokit, octokitOptions: { auth?: unknown; throttle?: { enabled?: boolean } }): void => {
    const installationId = Number((octokitOptions.auth as { installationId?: unknown } | undefined)?.installationId);
    if (!installationId || octokitOptions.throttle?.enabled === false) return;
    octokit.hook.wrap('request', (request, endpoint) => {
      const method = endpoint.method;
      const path = new URL(endpoint.url, 'http://github.test').pathname;
      if (method === 'GET' || method === 'HEAD' || AUTH_ROUTE.test(path)) return request(endpoint);
      const hints = (endpoint.request ?? {}) as WriteRequestOptions;
      return queues.schedule(installationId, async () => request(endpoint), {
        acknowledgement: hints.writePriority === 'acknowledgement',
        superseded: hints.superseded,
        method,
        url: endpoint.url,
      });
    });
  };
}
