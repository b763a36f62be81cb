import type { SandboxError } from './types.js';

export interface RetryPolicy {
  /** Tries in total, the first included. */
  attempts: number;
  /** Wait before the second try; doubled for each further one. */
  baseDelayMs: number;
  /** No single wait is longer than this. */
  maxDelayMs: number;
}

/**
 * About half a minute of waiting in all (2 + 4 + 8 + 16 s): long enough for a rate limit
 * window (E2B allows 1 to 5 creates per second) or a sandbox to finish elsewhere, short
 * enough that the status comment does not sit on "starting sandbox" for minutes. After
 * that the error still says `retryable`, so the job queue can try again later.
 */
export const DEFAULT_CREATE_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 2_000, maxDelayMs: 30_000 };

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  onRetry?(info: { attempt: number; delayMs: number; error: SandboxError }): void;
  /** Random source in [0, 1) for jitter; injectable so tests are deterministic. */
  random?: () => number;
}

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error, or the tries are used up.
 * Waits grow exponentially with ±20 % jitter, so that jobs that hit a limit together do not
 * all come back in the same second.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  isRetryable: (err: unknown) => err is SandboxError,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = hooks.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetryable(err) || attempt >= policy.attempts) throw err;
      const base = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(base * (0.8 + 0.4 * random()));
      hooks.onRetry?.({ attempt, delayMs, error: err });
      await sleep(delayMs);
    }
  }
}
