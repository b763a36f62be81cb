import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SandboxError } from '../../src/sandbox/types.js';
import { startFakeE2B, type FakeE2B } from '../fakes/e2b-server/index.js';
import { providerFor, spec } from './e2b-helpers.js';

/** Every injected E2B fault, seen through the real SDK, ends in the message a maintainer reads. */

let fake: FakeE2B;

beforeAll(async () => {
  fake = await startFakeE2B({ templates: ['claude', 'codex'] });
});
afterAll(() => fake.close());
afterEach(async () => {
  for (const sandbox of fake.sandboxes()) sandbox.die('drop');
  vi.unstubAllEnvs();
});

function creates(): number {
  return fake.requests.filter((r) => r.plane === 'api' && r.method === 'POST' && r.path === '/v2/sandboxes').length;
}

async function createError(
  provider = providerFor(fake),
  overrides: Parameters<typeof spec>[0] = {},
): Promise<SandboxError> {
  const err: unknown = await provider.create(spec(overrides)).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof SandboxError)) throw new Error(`expected a SandboxError, got ${String(err)}`);
  return err;
}

describe('create faults', () => {
  it('an API key E2B rejects (401): says to check E2B_API_KEY, no retry', async () => {
    const before = creates();
    const err = await createError(providerFor(fake, { apiKey: 'e2b_not_the_right_key' }));
    expect(err.message).toBe('E2B rejected the API key: check E2B_API_KEY');
    expect(err.retryable).toBe(false);
    expect(creates() - before).toBe(1);
  });

  it('a 401 injected on create reads the same', async () => {
    fake.failCreate(401);
    expect((await createError()).message).toBe('E2B rejected the API key: check E2B_API_KEY');
  });

  it('no API key at all: says to set E2B_API_KEY', async () => {
    vi.stubEnv('E2B_API_KEY', '');
    const err = await createError(providerFor(fake, { apiKey: '' }));
    expect(err.message).toBe('no E2B API key is configured: set E2B_API_KEY');
  });

  it('a template that does not exist: names it, the build command and the config field', async () => {
    const err = await createError(undefined, { template: 'issue-agent-opencode' });
    expect(err.message).toBe(
      'E2B has no template "issue-agent-opencode" that this E2B_API_KEY can use. ' +
        'Build one with `npm run templates:build -- opencode`, or set `templates.opencode` in .github/issue-agent.yml ' +
        'to the name of a template your E2B team has.',
    );
    expect(err.retryable).toBe(false);
  });

  it('names the agent from the sandbox tags when the template name does not tell it', async () => {
    const err = await createError(undefined, {
      template: 'team/custom-image',
      metadata: { app: '1', job: 'j', agent: 'amp' },
    });
    expect(err.message).toContain('`npm run templates:build -- amp`, or set `templates.amp`');
  });

  it('retries a 429 with backoff and then succeeds', async () => {
    fake.failCreate(429, { times: 2 });
    const waits: number[] = [];
    const provider = providerFor(fake, {
      createRetry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 10_000 },
      retryHooks: { sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
    });
    const before = creates();
    const sandbox = await provider.create(spec());
    expect(creates() - before).toBe(3);
    expect(waits).toEqual([100, 200]);
    expect((await sandbox.run('echo up')).stdout).toBe('up\n');
    await sandbox.kill();
  });

  it('a rate limit that outlasts the retries fails as retryable, saying the run will retry', async () => {
    fake.failCreate(429, { times: 3 });
    const before = creates();
    const err = await createError();
    expect(err.message).toBe("E2B's rate limit is reached; the run will retry shortly");
    expect(err.retryable).toBe(true);
    expect(creates() - before).toBe(3);
  });

  it('the concurrency limit: retryable, and creation works again once a sandbox ends', async () => {
    const limited = await startFakeE2B({ maxConcurrent: 1 });
    try {
      const provider = providerFor(limited);
      const first = await provider.create(spec());
      const err = await createError(provider);
      expect(err.message).toBe("E2B's limit of concurrent sandboxes is reached; the run will start when one finishes");
      expect(err.retryable).toBe(true);
      await first.kill();
      const second = await provider.create(spec());
      await second.kill();
    } finally {
      await limited.close();
    }
  });

  it('no capacity (503): retryable', async () => {
    fake.failCreate(503, { times: 3 });
    const err = await createError();
    expect(err.message).toBe('E2B has no capacity for a new sandbox right now; the run will retry shortly');
    expect(err.retryable).toBe(true);
  });

  it('a server error (500) is retried, and reported as E2B unavailable when it persists', async () => {
    fake.failCreate(500);
    const sandbox = await providerFor(fake).create(spec());
    await sandbox.kill();

    fake.failCreate(500, { times: 3 });
    const err = await createError();
    expect(err.message).toBe(
      'E2B is unavailable (HTTP 500: Internal server error); try again later, or check https://status.e2b.dev',
    );
    expect(err.retryable).toBe(true);
  });

  it('E2B not reachable at all: unavailable, retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const err = await createError(
      providerFor(fake, { apiUrl: `http://127.0.0.1:${port}`, createRetry: { attempts: 1 } }),
    );
    expect(err.message).toMatch(
      /^E2B is unavailable \(fetch failed: .*ECONNREFUSED.*\); try again later, or check https:\/\/status\.e2b\.dev$/,
    );
    expect(err.retryable).toBe(true);
  });

  it('a slow start beyond the request timeout: unavailable, retryable; the late sandbox is left for the orphan sweep', async () => {
    fake.delayCreate(700);
    const err = await createError(providerFor(fake, { requestTimeoutMs: 200, createRetry: { attempts: 1 } }));
    expect(err.message).toBe(
      'E2B is unavailable (no answer in time); try again later, or check https://status.e2b.dev',
    );
    expect(err.retryable).toBe(true);
    // E2B still started it: exactly the orphan that cleanupOrphans exists for (see e2b-orphans.test.ts).
    await expect.poll(() => fake.sandboxes().length, { timeout: 10_000 }).toBe(1);
  });

  it("the request timeout holds while garbage collections run (the SDK's own timer alone can be collected)", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const collecting = setInterval(gc, 20);
    try {
      for (let i = 0; i < 3; i++) {
        fake.delayCreate(700);
        // A SandboxError (createError fails on a success) saying no answer came in time: the
        // deadline fired before the 700 ms answer, however long a loaded machine took for it.
        const err = await createError(providerFor(fake, { requestTimeoutMs: 200, createRetry: { attempts: 1 } }));
        expect(err.message).toBe(
          'E2B is unavailable (no answer in time); try again later, or check https://status.e2b.dev',
        );
      }
    } finally {
      clearInterval(collecting);
    }
    await expect.poll(() => fake.sandboxes().length, { timeout: 10_000 }).toBe(3);
  });

  it('a slow start within the request timeout just takes longer', async () => {
    fake.delayCreate(300);
    const started = Date.now();
    const sandbox = await providerFor(fake).create(spec());
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await sandbox.kill();
  });
});

describe('a sandbox that dies during a command', () => {
  it('connection dropped: fails with "the sandbox stopped unexpectedly", not a hang', async () => {
    const sandbox = await providerFor(fake, { healthCheckIntervalMs: 60_000 }).create(spec());
    const started = Date.now();
    const run = sandbox.run('echo working; sleep 30', { onStdout: () => fake.crash(sandbox.id, 'drop') });
    await expect(run).rejects.toThrow(new SandboxError('the sandbox stopped unexpectedly'));
    // Not a hang: far below the 30 s the command would take (the health check is off here).
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(sandbox.run('true')).rejects.toThrow('the sandbox stopped unexpectedly');
    await sandbox.kill();
  });

  it('connection kept open but silent: the health check notices', async () => {
    const sandbox = await providerFor(fake, { healthCheckIntervalMs: 100 }).create(spec());
    const started = Date.now();
    const run = sandbox.run('echo working; sleep 30', { onStdout: () => fake.crash(sandbox.id, 'silent') });
    await expect(run).rejects.toThrow(new SandboxError('the sandbox stopped unexpectedly'));
    // Far below the 30 s the command would take: the health check, not the end of the command.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('the sandbox timeout expires: E2B kills it and the run says it reached its time limit', async () => {
    const sandbox = await providerFor(fake).create(spec({ timeoutMs: 1_000 }));
    const err: unknown = await sandbox.run('sleep 30').catch((e: unknown) => e);
    expect(err).toEqual(new SandboxError('the sandbox reached its time limit and was stopped'));
    expect(fake.sandbox(sandbox.id)).toBeUndefined();
  });

  it('reading a file from a sandbox that is gone fails the same way', async () => {
    const sandbox = await providerFor(fake).create(spec());
    fake.crash(sandbox.id);
    await expect(sandbox.readFile('/home/user/x')).rejects.toThrow(
      new SandboxError('the sandbox stopped unexpectedly'),
    );
  });
});
