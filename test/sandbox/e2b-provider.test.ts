import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2B, TimeoutError } from 'e2b';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { E2BSandboxProvider } from '../../src/sandbox/e2b.js';
import { OUTPUT_TAIL_BYTES } from '../../src/sandbox/tail.js';
import { CommandAbortedError, CommandTimeoutError, SandboxError, type Sandbox } from '../../src/sandbox/types.js';
import { startFakeE2B, type FakeE2B } from '../fakes/e2b-server/index.js';
import { eventually, providerFor, spec } from './e2b-helpers.js';

/** The real e2b SDK, through our provider, against the local E2B stand-in. */

let fake: FakeE2B;
let provider: E2BSandboxProvider;

beforeAll(async () => {
  // 300 ms stands in for the SDK's 60 s default command timeout (see the long-command test).
  fake = await startFakeE2B({ deadlineCapMs: 300 });
  provider = providerFor(fake);
});
afterAll(() => fake.close());

async function withSandbox<T>(
  fn: (sandbox: Sandbox) => Promise<T>,
  overrides: Parameters<typeof spec>[0] = {},
): Promise<T> {
  const sandbox = await provider.create(spec(overrides));
  try {
    return await fn(sandbox);
  } finally {
    await sandbox.kill();
  }
}

function startRequests(sandboxId: string) {
  return fake.requests.filter(
    (r) => r.plane === 'envd' && r.path === '/process.Process/Start' && r.headers['e2b-sandbox-id'] === sandboxId,
  );
}

describe('create', () => {
  it('sends the template, envs, metadata tags, timeout and egress rules to E2B', async () => {
    const sandbox = await provider.create(
      spec({
        template: 'codex',
        envs: { OPENAI_API_KEY: 'sk-test', GIT_TERMINAL_PROMPT: '0' },
        metadata: { app: '42', installation: '7', repo: 'o/r', issue: '12', job: 'job-a' },
        timeoutMs: 30 * 60_000,
        allowOut: ['api.openai.com', 'github.com'],
      }),
    );
    const body = fake.requests.findLast(
      (r) => r.plane === 'api' && r.method === 'POST' && r.path === '/v2/sandboxes',
    )?.body;
    expect(body).toMatchObject({
      templateID: 'codex',
      envVars: { OPENAI_API_KEY: 'sk-test', GIT_TERMINAL_PROMPT: '0' },
      metadata: { app: '42', installation: '7', repo: 'o/r', issue: '12', job: 'job-a' },
      timeout: 1800,
      autoPause: false,
      // Allow-list only means something together with deny-all.
      network: { allowOut: ['api.openai.com', 'github.com'], denyOut: ['0.0.0.0/0'] },
    });
    expect(sandbox.home).toBe('/home/user');
    const env = await sandbox.run('echo "$OPENAI_API_KEY $GIT_TERMINAL_PROMPT $HOME"');
    expect(env.stdout).toBe('sk-test 0 /home/user\n');
    await sandbox.kill();
  });

  it('leaves the network unrestricted when no allow-list is given', async () => {
    await withSandbox(async () => {
      const body = fake.requests.findLast((r) => r.plane === 'api' && r.path === '/v2/sandboxes')?.body;
      expect(body).not.toHaveProperty('network');
    });
  });
});

describe('run', () => {
  it('streams stdout and stderr in order while the command runs, and returns both', async () => {
    await withSandbox(async (sandbox) => {
      const events: string[] = [];
      // After its first lines the command waits for /home/user/go (written only once they have
      // arrived; 20 s at most): output that came only at the end would never arrive in time.
      const wait = 'for _ in $(seq 400); do [ -e /home/user/go ] && break; sleep 0.05; done';
      const done = sandbox.run(
        `echo out1; echo err1 >&2; ${wait}; for i in 2 3; do echo out$i; echo err$i >&2; sleep 0.05; done`,
        {
          onStdout: (chunk) => events.push(`stdout:${chunk}`),
          onStderr: (chunk) => events.push(`stderr:${chunk}`),
        },
      );
      let settled = false;
      void done.then(
        () => (settled = true),
        () => (settled = true),
      );
      await eventually(() => events.includes('stdout:out1\n') && events.includes('stderr:err1\n'), 10_000);
      expect(settled).toBe(false);
      await sandbox.writeFile('/home/user/go', '');
      const result = await done;
      expect(result).toEqual({ exitCode: 0, stdout: 'out1\nout2\nout3\n', stderr: 'err1\nerr2\nerr3\n' });
      expect(events.filter((e) => e.startsWith('stdout:')).join('')).toBe('stdout:out1\nstdout:out2\nstdout:out3\n');
      expect(events.filter((e) => e.startsWith('stderr:')).join('')).toBe('stderr:err1\nstderr:err2\nstderr:err3\n');
    });
  });

  it('returns a non-zero exit as a result, with cwd and per-command env applied', async () => {
    await withSandbox(async (sandbox) => {
      await sandbox.run('mkdir -p /home/user/repo');
      const result = await sandbox.run('pwd; echo "$ONLY_HERE"; exit 3', {
        cwd: '/home/user/repo',
        env: { ONLY_HERE: 'yes' },
      });
      expect(result).toEqual({ exitCode: 3, stdout: '/home/user/repo\nyes\n', stderr: '' });
      expect((await sandbox.run('echo "[$ONLY_HERE]"')).stdout).toBe('[]\n');
    });
  });

  it('runs a command longer than the SDK default command timeout to its end (no SDK timeout)', async () => {
    // The stand-in caps every client deadline to 300 ms, so the SDK's default (60 s) kills
    // after 300 ms here. First show that the default really kills, with the raw SDK ...
    const client = new E2B({ apiKey: fake.apiKey, apiUrl: fake.apiUrl, sandboxUrl: fake.sandboxUrl });
    const raw = await client.Sandbox.create('claude');
    await expect(raw.commands.run('sleep 1; echo done')).rejects.toBeInstanceOf(TimeoutError);
    expect(startRequests(raw.sandboxId)[0]?.headers['connect-timeout-ms']).toBe('60000');
    await raw.kill();

    // ... then that the provider's command carries no deadline and outlives it.
    await withSandbox(async (sandbox) => {
      const started = Date.now();
      const result = await sandbox.run('sleep 1; echo done');
      expect(result).toEqual({ exitCode: 0, stdout: 'done\n', stderr: '' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(startRequests(sandbox.id)[0]?.headers).not.toHaveProperty('connect-timeout-ms');
    });
  });

  it("keeps only the end of the output with keepOutput: 'tail', also inside the SDK's command handle", async () => {
    await withSandbox(async (sandbox) => {
      // The SDK appends every chunk to its handle's own strings; the provider empties them.
      const handles: Array<{ stdout: string; stderr: string }> = [];
      const commands = (sandbox as unknown as { sdk: { commands: { run: (...a: unknown[]) => Promise<unknown> } } }).sdk
        .commands;
      const run = commands.run.bind(commands);
      commands.run = async (...args: unknown[]) => {
        const handle = (await run(...args)) as { stdout: string; stderr: string };
        handles.push(handle);
        return handle;
      };
      let streamed = 0;
      let largestInHandle = 0;
      const result = await sandbox.run(
        'for i in $(seq 40); do head -c 10000 /dev/zero | tr "\\0" a; sleep 0.01; done; echo -n END; head -c 100000 /dev/zero >&2',
        {
          keepOutput: 'tail',
          onStdout: (c) => {
            streamed += c.length;
            largestInHandle = Math.max(largestInHandle, handles[0]?.stdout.length ?? 0);
          },
        },
      );
      expect(streamed).toBe(400_003);
      expect(result.stdoutChars).toBe(400_003);
      expect(result.stdout).toHaveLength(OUTPUT_TAIL_BYTES);
      expect(result.stdout.endsWith('aEND')).toBe(true);
      expect(result.stderrChars).toBe(100_000);
      expect(result.stderr).toHaveLength(OUTPUT_TAIL_BYTES);
      expect(handles).toHaveLength(1);
      expect(handles[0]!.stdout.length + handles[0]!.stderr.length).toBeLessThan(OUTPUT_TAIL_BYTES);
      expect(largestInHandle).toBeLessThan(OUTPUT_TAIL_BYTES);
    });
  });

  it('kills the process and rejects with CommandAbortedError when aborted', async () => {
    await withSandbox(async (sandbox) => {
      const controller = new AbortController();
      const started = Date.now();
      const run = sandbox.run('echo started; sleep 30', {
        signal: controller.signal,
        onStdout: () => controller.abort(),
      });
      await expect(run).rejects.toBeInstanceOf(CommandAbortedError);
      // Far below the 30 s the command would take if the abort did not kill it.
      expect(Date.now() - started).toBeLessThan(10_000);
      const kill = fake.requests.find(
        (r) => r.path === '/process.Process/SendSignal' && r.headers['e2b-sandbox-id'] === sandbox.id,
      );
      expect(kill?.body).toMatchObject({ signal: 'SIGNAL_SIGKILL' });
      await eventually(() => fake.sandbox(sandbox.id)?.processes.size === 0);
      // The sandbox itself is fine and takes the next command.
      expect((await sandbox.run('echo next')).stdout).toBe('next\n');
    });
  });

  it('rejects at once when the signal is already aborted, without starting anything', async () => {
    await withSandbox(async (sandbox) => {
      const before = startRequests(sandbox.id).length;
      await expect(sandbox.run('echo no', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CommandAbortedError);
      expect(startRequests(sandbox.id).length).toBe(before);
    });
  });

  it('kills the process and rejects with CommandTimeoutError after its own timeoutMs', async () => {
    await withSandbox(async (sandbox) => {
      await expect(sandbox.run('sleep 30', { timeoutMs: 200 })).rejects.toBeInstanceOf(CommandTimeoutError);
      await eventually(() => fake.sandbox(sandbox.id)?.processes.size === 0);
    });
  });

  it('reports a cwd that does not exist as a clear failure', async () => {
    await withSandbox(async (sandbox) => {
      const err: unknown = await sandbox.run('true', { cwd: '/home/user/missing' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SandboxError);
      expect((err as SandboxError).message).toMatch(/^could not start the command: .*\/home\/user\/missing/);
    });
  });
});

describe('files', () => {
  it('round-trips text and binary files byte for byte', async () => {
    await withSandbox(async (sandbox) => {
      const binary = new Uint8Array(256).map((_, i) => i);
      await sandbox.writeFile('/home/user/repo/bin/all-bytes.bin', binary);
      await sandbox.writeFile('/home/user/repo/notes.md', 'héllo\nwörld\n');
      // A view into a larger buffer: only its bytes may be written.
      const view = new Uint8Array([9, 9, 1, 2, 3, 9]).subarray(2, 5);
      await sandbox.writeFile('relative/view.bin', view);

      expect(Buffer.from(await sandbox.readFile('/home/user/repo/bin/all-bytes.bin'))).toEqual(Buffer.from(binary));
      expect(new TextDecoder().decode(await sandbox.readFile('/home/user/repo/notes.md'))).toBe('héllo\nwörld\n');
      expect([...(await sandbox.readFile('/home/user/relative/view.bin'))]).toEqual([1, 2, 3]);
      // Commands see what the file API wrote, and the other way round.
      expect((await sandbox.run('sha256sum repo/bin/all-bytes.bin | cut -c1-16')).stdout.trim()).toBe(
        (await import('node:crypto')).createHash('sha256').update(binary).digest('hex').slice(0, 16),
      );
      await sandbox.run('printf "\\x00\\xff" > /home/user/from-shell.bin');
      expect([...(await sandbox.readFile('/home/user/from-shell.bin'))]).toEqual([0, 255]);
      await expect(sandbox.readFile('/home/user/missing.txt')).rejects.toThrow(
        new SandboxError('could not read /home/user/missing.txt: no such file in the sandbox'),
      );
    });
  });

  it('reads an empty file as zero bytes', async () => {
    await withSandbox(async (sandbox) => {
      await sandbox.run('touch /home/user/empty');
      expect((await sandbox.readFile('/home/user/empty')).length).toBe(0);
    });
  });
});

describe('isolation from the host', () => {
  it('keeps /home/user/... inside the sandbox and never touches the host /home', async () => {
    const probe = `issue-agent-probe-${randomBytes(6).toString('hex')}`;
    await withSandbox(async (sandbox) => {
      const made = await sandbox.run(
        `mkdir -p /home/user/${probe} && echo secret > /home/user/${probe}/f && cd ~ && echo "$PWD" > ~/${probe}/pwd`,
      );
      expect(made.exitCode).toBe(0);
      await sandbox.writeFile(`/home/user/${probe}/g`, 'from-api');
      // Only the namespace mode covers paths outside /home/user (see isolation.ts).
      if (fake.isolation === 'namespace') expect((await sandbox.run(`touch /home/${probe}-sibling`)).exitCode).toBe(0);

      expect(existsSync(`/home/user/${probe}`)).toBe(false);
      expect(existsSync(`/home/${probe}-sibling`)).toBe(false);
      const inside = join(fake.sandbox(sandbox.id)!.hostHome, probe);
      expect(readFileSync(join(inside, 'f'), 'utf8')).toBe('secret\n');
      expect(readFileSync(join(inside, 'pwd'), 'utf8')).toBe('/home/user\n');
      expect(new TextDecoder().decode(await sandbox.readFile(`/home/user/${probe}/g`))).toBe('from-api');
    });
  });
});

describe('kill, connect and list', () => {
  it('kill stops the sandbox at E2B, is idempotent, and later calls fail clearly', async () => {
    const sandbox = await provider.create(spec());
    await sandbox.kill();
    await sandbox.kill();
    expect(fake.sandbox(sandbox.id)).toBeUndefined();
    expect(fake.requests.filter((r) => r.method === 'DELETE' && r.path === `/sandboxes/${sandbox.id}`)).toHaveLength(1);
    await expect(sandbox.run('true')).rejects.toThrow('the sandbox stopped unexpectedly');
  });

  it('connect re-attaches to a running sandbox by id', async () => {
    await withSandbox(async (sandbox) => {
      await sandbox.writeFile('/home/user/left-behind.txt', 'still here');
      const again = await provider.connect(sandbox.id);
      expect(again.id).toBe(sandbox.id);
      expect((await again.run('cat left-behind.txt')).stdout).toBe('still here');
    });
    await expect(provider.connect('no-such-sandbox')).rejects.toThrow('the sandbox no longer exists');
  });

  it('lists sandboxes by metadata across pages and kills one by id', async () => {
    const paged = providerFor(fake, { listPageSize: 2 });
    const app = `app-${randomBytes(4).toString('hex')}`;
    const mine = await Promise.all(
      [1, 2, 3].map((n) => paged.create(spec({ metadata: { app, job: `j${n}`, repo: 'o/r' } }))),
    );
    const other = await paged.create(spec({ metadata: { app: 'someone-else', job: 'j1' } }));

    const found = await paged.list({ app });
    expect(found.map((s) => s.id).sort()).toEqual(mine.map((s) => s.id).sort());
    expect(found.find((s) => s.id === mine[0]!.id)).toMatchObject({
      metadata: { app, job: 'j1', repo: 'o/r' },
      state: 'running',
    });
    expect(found[0]!.startedAt).toBeInstanceOf(Date);
    expect((await paged.list({ app, job: 'j2' })).map((s) => s.id)).toEqual([mine[1]!.id]);

    await paged.kill(mine[0]!.id);
    await paged.kill(mine[0]!.id); // already gone: still fine
    expect((await paged.list({ app })).map((s) => s.id).sort()).toEqual([mine[1]!.id, mine[2]!.id].sort());
    await Promise.all([...mine.slice(1), other].map((s) => s.kill()));
  });
});
