import { ALL_TRAFFIC, E2B, type Sandbox as SdkSandbox, type SandboxOpts } from 'e2b';
import { withDeadline } from './deadline.js';
import { toSandboxError } from './e2b-errors.js';
import { DEFAULT_CREATE_RETRY, withRetry, type RetryHooks, type RetryPolicy } from './e2b-retry.js';
import { E2BSandbox } from './e2b-sandbox.js';
import type { SandboxLister, SandboxSummary } from './orphans.js';
import { SandboxError, type Sandbox, type SandboxProvider, type SandboxSpec } from './types.js';

export { E2B_HOME } from './e2b-sandbox.js';

export interface E2BProviderOptions {
  apiKey: string;
  /** Control plane URL; E2B cloud (from `domain`) by default. Tests point it at a local stand-in. */
  apiUrl?: string;
  /** envd URL for every sandbox; by default each sandbox's own host under `domain`. */
  sandboxUrl?: string;
  /** E2B domain, e.g. for a self-hosted E2B; `e2b.app` by default. */
  domain?: string;
  /** Timeout of each E2B request (not of commands, which have none of their own). Default 30 s. */
  requestTimeoutMs?: number;
  /** How often a running command checks that its sandbox is alive. Default 30 s. */
  healthCheckIntervalMs?: number;
  /** Retries of `create` on rate limits, capacity and outages. */
  createRetry?: Partial<RetryPolicy>;
  retryHooks?: RetryHooks;
  /** Page size when listing sandboxes. */
  listPageSize?: number;
}

const AGENT_TEMPLATE = /^(?:issue-agent-)?(claude|codex|amp|opencode|openclaw)$/;

/**
 * Production provider: every job gets a fresh E2B sandbox (a Firecracker microVM) created
 * from the agent's template, through the real `e2b` SDK. The client is bound to the options
 * given here; what they leave unset, the SDK takes from its own E2B_* variables (E2B_API_URL
 * and E2B_SANDBOX_URL point it at another server, as the tests do) or its defaults.
 */
export class E2BSandboxProvider implements SandboxProvider, SandboxLister {
  readonly name = 'e2b' as const;
  private readonly client: E2B;
  private readonly requestTimeoutMs: number;
  private readonly healthCheckIntervalMs: number;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: E2BProviderOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.healthCheckIntervalMs = options.healthCheckIntervalMs ?? 30_000;
    this.retry = { ...DEFAULT_CREATE_RETRY, ...options.createRetry };
    this.client = new E2B({
      apiKey: options.apiKey,
      requestTimeoutMs: this.requestTimeoutMs,
      ...(options.apiUrl !== undefined && { apiUrl: options.apiUrl }),
      ...(options.sandboxUrl !== undefined && { sandboxUrl: options.sandboxUrl }),
      ...(options.domain !== undefined && { domain: options.domain }),
    });
  }

  /** Creates the sandbox, waiting and retrying (bounded) while E2B is rate limited, full or down. */
  async create(spec: SandboxSpec): Promise<Sandbox> {
    const agent = spec.metadata.agent ?? AGENT_TEMPLATE.exec(spec.template)?.[1];
    const opts: SandboxOpts = {
      envs: spec.envs ?? {},
      metadata: spec.metadata,
      timeoutMs: spec.timeoutMs,
      // A sandbox that outlives its timeout is killed, unless it is kept (paused) for follow-ups.
      lifecycle: { onTimeout: spec.pauseOnTimeout ? 'pause' : 'kill' },
      requestTimeoutMs: this.requestTimeoutMs,
      // E2B lets everything out unless denied; "only these hosts" is allow-list plus deny-all.
      ...(spec.allowOut !== undefined && { network: { allowOut: spec.allowOut, denyOut: [ALL_TRAFFIC] } }),
      // The SDK starts E2B's MCP gateway with these servers once the sandbox is up.
      ...(spec.mcp && Object.keys(spec.mcp).length > 0 && { mcp: spec.mcp }),
    };
    let requestedAt = 0;
    const sdk = await withRetry(
      async () => {
        try {
          // E2B's lifetime clock starts when it creates the sandbox, never before this.
          requestedAt = Date.now();
          return await withDeadline(this.requestTimeoutMs, (signal) =>
            this.client.Sandbox.create(spec.template, { ...opts, signal }),
          );
        } catch (err) {
          throw toSandboxError(err, {
            action: 'create the sandbox',
            template: spec.template,
            ...(agent !== undefined && { agent }),
          });
        }
      },
      isRetryable,
      this.retry,
      this.options.retryHooks,
    );
    return this.wrap(sdk, requestedAt + spec.timeoutMs);
  }

  /** Re-attaches to a running sandbox, e.g. after the app restarted. */
  async connect(id: string): Promise<Sandbox> {
    try {
      return this.wrap(
        await withDeadline(this.requestTimeoutMs, (signal) =>
          this.client.Sandbox.connect(id, { requestTimeoutMs: this.requestTimeoutMs, signal }),
        ),
      );
    } catch (err) {
      throw toSandboxError(err, { action: `connect to sandbox ${id}` });
    }
  }

  /** Every sandbox (running or paused) whose metadata has all these tags. */
  async list(tags: Record<string, string>): Promise<SandboxSummary[]> {
    try {
      const pages = this.client.Sandbox.list({
        query: { metadata: tags },
        requestTimeoutMs: this.requestTimeoutMs,
        ...(this.options.listPageSize !== undefined && { limit: this.options.listPageSize }),
      });
      const found: SandboxSummary[] = [];
      while (pages.hasNext) {
        // The paginator keeps its options, so each page gets the deadline (not the whole listing).
        for (const info of await withDeadline(this.requestTimeoutMs, () => pages.nextItems())) {
          found.push({ id: info.sandboxId, metadata: info.metadata, startedAt: info.startedAt, state: info.state });
        }
      }
      return found;
    } catch (err) {
      throw toSandboxError(err, { action: 'list sandboxes' });
    }
  }

  /** Kills a sandbox by id; one that no longer exists counts as killed. */
  async kill(id: string): Promise<void> {
    try {
      await withDeadline(this.requestTimeoutMs, (signal) =>
        this.client.Sandbox.kill(id, { requestTimeoutMs: this.requestTimeoutMs, signal }),
      );
    } catch (err) {
      throw toSandboxError(err, { action: `kill sandbox ${id}` });
    }
  }

  private wrap(sdk: SdkSandbox, expiresAt?: number): E2BSandbox {
    return new E2BSandbox(sdk, {
      requestTimeoutMs: this.requestTimeoutMs,
      healthCheckIntervalMs: this.healthCheckIntervalMs,
      ...(expiresAt !== undefined && { expiresAt }),
    });
  }
}

function isRetryable(err: unknown): err is SandboxError {
  return err instanceof SandboxError && err.retryable;
}
