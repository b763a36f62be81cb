import type { Logger } from 'pino';
import { SandboxCapacityError, type Sandbox, type SandboxProvider, type SandboxSpec } from './types.js';

/**
 * A job's sandbox outlives the job's own deadline by this margin, so that our cleanup, not the
 * provider's timer, ends it (and a kill that fails still has a backstop).
 */
const CLEANUP_MARGIN_MS = 5 * 60_000;

/** How long a job's sandbox may live: the job's `timeoutMinutes` and the cleanup margin. */
export function sandboxLifetimeMs(timeoutMinutes: number): number {
  return timeoutMinutes * 60_000 + CLEANUP_MARGIN_MS;
}

/** What became of a run's sandbox when the run ended. */
export type Release = 'left-running' | 'kept' | 'killed' | 'kill-failed';

export interface CreateOptions {
  signal: AbortSignal;
  /** Each attempt's result, for metrics. */
  onAttempt?(result: 'started' | 'failed'): void;
  /** Capacity was short; the next attempt is `attempt`. */
  onWait?(attempt: number): void;
}

/**
 * The one owner of a sandbox's life: create (waiting out capacity), resume one that exists
 * (a re-attach after a restart, a kept sandbox for a follow-up), keep (paused) or kill at the
 * end of a run, kill one known only by id. Every failure is logged with the sandbox id and
 * why it mattered; none is thrown where the caller could only ignore it. The orphan sweep
 * (orphans.ts) is the backstop for whatever still escapes.
 */
export class SandboxLifecycle {
  constructor(
    private readonly provider: SandboxProvider,
    private readonly log: Logger,
  ) {}

  /** A new sandbox. Rate and concurrency limits are waited out until `signal` aborts; other errors throw. */
  async create(spec: SandboxSpec, options: CreateOptions): Promise<Sandbox> {
    for (let attempt = 1; ; attempt++) {
      try {
        const sandbox = await this.provider.create(spec);
        options.onAttempt?.('started');
        return sandbox;
      } catch (err) {
        options.onAttempt?.('failed');
        if (!(err instanceof SandboxCapacityError)) throw err;
        this.log.warn({ err, attempt }, 'sandbox capacity unavailable; waiting to retry');
        options.onWait?.(attempt + 1);
        await sleep(Math.min(60_000, 5_000 * 2 ** (attempt - 1)), options.signal);
      }
    }
  }

  /**
   * A sandbox that exists already, resumed and given `lifetimeMs` more; undefined when it is
   * gone or cannot be reached (logged with `why` it was wanted), so the caller starts afresh.
   */
  async resume(id: string, lifetimeMs: number, why: string): Promise<Sandbox | undefined> {
    if (!this.provider.connect) return undefined;
    let sandbox: Sandbox;
    try {
      sandbox = await this.provider.connect(id);
    } catch (err) {
      this.log.info({ err, sandbox: id, why }, 'could not resume the sandbox; starting a new one');
      return undefined;
    }
    try {
      await sandbox.setTimeout(lifetimeMs);
    } catch (err) {
      this.log.warn({ err, sandbox: id, why }, 'could not extend the resumed sandbox; starting a new one');
      await this.kill(sandbox, 'it could not be extended');
      return undefined;
    }
    return sandbox;
  }

  /** Kills a sandbox known only by its id (an earlier attempt's, a kept one no longer needed). */
  async killById(id: string, why: string): Promise<void> {
    if (!this.provider.connect) return;
    let sandbox: Sandbox;
    try {
      sandbox = await this.provider.connect(id);
    } catch (err) {
      // Mostly: killed already, or past its lifetime. Otherwise the orphan sweep kills it later.
      this.log.info(
        { err, sandbox: id, why },
        'no sandbox to kill (gone already, or unreachable: the orphan sweep retries)',
      );
      return;
    }
    await this.kill(sandbox, why);
  }

  /**
   * The end of a run. A run handed over to another worker leaves its agent running there; a
   * run whose PR may get follow-ups keeps its sandbox paused for `keepMs`; any other is killed.
   */
  async release(sandbox: Sandbox, options: { handover: boolean; keepMs: number }): Promise<Release> {
    if (options.handover) {
      this.log.info({ sandbox: sandbox.id }, 'left the agent running in its sandbox for the next worker');
      return 'left-running';
    }
    if (options.keepMs > 0 && (await this.keep(sandbox, options.keepMs))) return 'kept';
    return (await this.kill(sandbox, 'its run ended')) ? 'killed' : 'kill-failed';
  }

  /**
   * Paused (no compute is billed while it waits) for `ms`. The lifetime is set first, as the
   * fallback should the pause fail half-way: the provider then pauses it at that time.
   */
  private async keep(sandbox: Sandbox, ms: number): Promise<boolean> {
    try {
      await sandbox.setTimeout(ms);
      await sandbox.pause();
      return true;
    } catch (err) {
      this.log.warn({ err, sandbox: sandbox.id }, 'could not keep the sandbox for follow-ups; killing it');
      return false;
    }
  }

  private async kill(sandbox: Sandbox, why: string): Promise<boolean> {
    try {
      await sandbox.kill();
      return true;
    } catch (err) {
      this.log.error({ err, sandbox: sandbox.id, why }, 'could not kill the sandbox (the orphan sweep retries)');
      return false;
    }
  }
}

/** Waits, or rejects as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason as Error)), { once: true });
  });
}
