import { describe, expect, it } from 'vitest';
import { withDeadline } from '../../src/sandbox/deadline.js';

describe('withDeadline', () => {
  it('returns the answer that comes in time', async () => {
    await expect(withDeadline(1_000, async () => 'answer')).resolves.toBe('answer');
  });

  it('passes the request error through', async () => {
    await expect(withDeadline(1_000, () => Promise.reject(new Error('HTTP 500')))).rejects.toThrow('HTTP 500');
  });

  it('aborts the request and rejects with a TimeoutError when no answer comes', async () => {
    let seen: AbortSignal | undefined;
    const started = Date.now();
    const err: unknown = await withDeadline(50, (signal) => {
      seen = signal;
      return new Promise<never>(() => undefined); // a request that ignores its signal and never settles
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe('TimeoutError');
    expect(seen?.aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
