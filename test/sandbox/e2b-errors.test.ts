import {
  AuthenticationError,
  InvalidArgumentError,
  NotFoundError,
  RateLimitError,
  SandboxError as E2BSdkError,
  ServiceBusyError,
  TimeoutError,
} from 'e2b';
import { describe, expect, it } from 'vitest';
import { toSandboxError } from '../../src/sandbox/e2b-errors.js';
import { DEFAULT_CREATE_RETRY, withRetry } from '../../src/sandbox/e2b-retry.js';
import { SandboxError } from '../../src/sandbox/types.js';

/** Cases the stand-in does not produce through the wire; the wire cases live in e2b-faults.test.ts. */

function sdkError(status: number, message: string): E2BSdkError {
  const err = new E2BSdkError(`${status}: ${message}`);
  err.statusCode = status;
  return err;
}

describe('toSandboxError', () => {
  const create = { action: 'create the sandbox', template: 'claude', agent: 'claude' };

  it.each([
    [
      new AuthenticationError('Unauthorized, please check your credentials.'),
      'E2B rejected the API key: check E2B_API_KEY',
      false,
    ],
    [
      new RateLimitError('Rate limit exceeded, please try again later'),
      "E2B's rate limit is reached; the run will retry shortly",
      true,
    ],
    [
      new ServiceBusyError('Service temporarily unavailable, please retry'),
      'E2B has no capacity for a new sandbox right now; the run will retry shortly',
      true,
    ],
    [
      sdkError(502, 'bad gateway'),
      'E2B is unavailable (HTTP 502: bad gateway); try again later, or check https://status.e2b.dev',
      true,
    ],
    [
      new TimeoutError('[unavailable] x: This error is likely due to sandbox timeout. You can modify...'),
      'E2B is unavailable (no answer in time); try again later, or check https://status.e2b.dev',
      true,
    ],
    [
      new InvalidArgumentError('timeout must be at most 86400'),
      'could not create the sandbox: timeout must be at most 86400',
      false,
    ],
    [sdkError(400, 'bad request'), 'could not create the sandbox: HTTP 400: bad request', false],
  ] as const)('%s', (err, message, retryable) => {
    const mapped = toSandboxError(err, create);
    expect(mapped).toBeInstanceOf(SandboxError);
    expect(mapped.message).toBe(message);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.cause).toBe(err);
  });

  it('a 403 naming the template is a template the key cannot use', () => {
    expect(toSandboxError(sdkError(403, 'You don\'t have access to template "claude"'), create).message).toMatch(
      /^E2B has no template "claude"/,
    );
    expect(toSandboxError(sdkError(403, 'forbidden'), create).message).toBe(
      'could not create the sandbox: HTTP 403: forbidden',
    );
  });

  it('a 404 outside create is not about templates', () => {
    expect(toSandboxError(new NotFoundError('gone'), { action: 'read /x' }).message).toBe('could not read /x: gone');
  });

  it('keeps our own errors as they are', () => {
    const ours = new SandboxError('the sandbox stopped unexpectedly');
    expect(toSandboxError(ours, create)).toBe(ours);
  });
});

describe('withRetry', () => {
  const retryable = (err: unknown): err is SandboxError => err instanceof SandboxError && err.retryable;

  it('waits exponentially, capped, and gives up after the last attempt with the last error', async () => {
    const waits: number[] = [];
    let calls = 0;
    const run = withRetry(
      async () => {
        calls++;
        throw new SandboxError(`busy ${calls}`, true);
      },
      retryable,
      { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 5_000 },
      { sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
    );
    await expect(run).rejects.toThrow('busy 5');
    expect(waits).toEqual([1_000, 2_000, 4_000, 5_000]);
  });

  it('jitters each wait by at most 20 %', async () => {
    const waits: number[] = [];
    const fail = async () => {
      throw new SandboxError('busy', true);
    };
    for (const random of [() => 0, () => 0.9999]) {
      await withRetry(
        fail,
        retryable,
        { attempts: 2, baseDelayMs: 1_000, maxDelayMs: 1_000 },
        { sleep: async (ms) => void waits.push(ms), random },
      ).catch(() => undefined);
    }
    expect(waits).toEqual([800, 1_200]);
  });

  it('does not retry an error that is not retryable', async () => {
    let calls = 0;
    const run = withRetry(
      async () => {
        calls++;
        throw new SandboxError('E2B rejected the API key: check E2B_API_KEY');
      },
      retryable,
      DEFAULT_CREATE_RETRY,
      { sleep: async () => undefined },
    );
    await expect(run).rejects.toThrow('E2B rejected the API key');
    expect(calls).toBe(1);
  });

  it('the default policy waits about half a minute in all before giving up', () => {
    let total = 0;
    for (let attempt = 1; attempt < DEFAULT_CREATE_RETRY.attempts; attempt++) {
      total += Math.min(DEFAULT_CREATE_RETRY.maxDelayMs, DEFAULT_CREATE_RETRY.baseDelayMs * 2 ** (attempt - 1));
    }
    expect(total).toBe(30_000);
  });
});
