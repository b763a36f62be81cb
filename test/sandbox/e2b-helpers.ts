import { E2BSandboxProvider, type E2BProviderOptions } from '../../src/sandbox/e2b.js';
import type { SandboxSpec } from '../../src/sandbox/types.js';
import type { FakeE2B } from '../fakes/e2b-server/index.js';

/**
 * The real provider (and so the real SDK) pointed at the local stand-in. Retries wait 0 ms
 * and health checks run often, so fault tests stay fast; tests that care override them.
 */
export function providerFor(fake: FakeE2B, overrides: Partial<E2BProviderOptions> = {}): E2BSandboxProvider {
  return new E2BSandboxProvider({
    apiKey: fake.apiKey,
    apiUrl: fake.apiUrl,
    sandboxUrl: fake.sandboxUrl,
    requestTimeoutMs: 5_000,
    healthCheckIntervalMs: 200,
    createRetry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    ...overrides,
  });
}

export function spec(overrides: Partial<SandboxSpec> = {}): SandboxSpec {
  return { template: 'claude', metadata: { app: '1', job: 'job-1' }, timeoutMs: 60_000, ...overrides };
}

/** Polls until `check` holds (or fails the test after `ms`). */
export async function eventually(check: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
