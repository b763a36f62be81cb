import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2B, CommandExitError, SandboxNotFoundError, type Sandbox } from 'e2b';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeE2B, type FakeE2B } from '../fakes/e2b-server/index.js';
import { eventually } from './e2b-helpers.js';

/**
 * The stand-in itself, driven by the raw SDK: the SDK features our provider does not use
 * today but that the stand-in claims to support (re-attaching to a process, process list,
 * stdin, pause/resume, set timeout, the filesystem service), so it stays faithful.
 */

let fake: FakeE2B;
let client: E2B;

beforeAll(async () => {
  fake = await startFakeE2B({ timeScale: 0.2 });
  client = new E2B({ apiKey: fake.apiKey, apiUrl: fake.apiUrl, sandboxUrl: fake.sandboxUrl });
});
afterAll(() => fake.close());

async function withRaw<T>(fn: (sbx: Sandbox) => Promise<T>): Promise<T> {
  const sbx = await client.Sandbox.create('base', { timeoutMs: 60_000 });
  try {
    return await fn(sbx);
  } finally {
    await sbx.kill();
  }
}

describe('processes', () => {
  it('lists a running process, re-attaches to it and sees its later output and exit code', async () => {
    await withRaw(async (sbx) => {
      // The process goes on only once /home/user/go exists (or after 20 s): it is still running
      // for the list and the re-attach however slow the machine, and prints "second" only after.
      const wait = 'for _ in $(seq 400); do [ -e /home/user/go ] && break; sleep 0.05; done';
      let printed = '';
      const handle = await sbx.commands.run(`echo first; ${wait}; echo second; exit 7`, {
        background: true,
        onStdout: (d) => void (printed += d),
      });
      await eventually(() => printed === 'first\n', 10_000);
      await handle.disconnect();
      const listed = await sbx.commands.list();
      expect(listed).toEqual([
        expect.objectContaining({
          pid: handle.pid,
          cmd: '/bin/bash',
          args: ['-l', '-c', expect.stringContaining('echo first')],
        }),
      ]);

      const seen: string[] = [];
      const again = await sbx.commands.connect(handle.pid, { onStdout: (d) => void seen.push(d) });
      await sbx.files.write('/home/user/go', '');
      const err: unknown = await again.wait().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommandExitError);
      expect((err as CommandExitError).exitCode).toBe(7);
      expect(seen.join('')).toBe('second\n');
      expect(await sbx.commands.list()).toEqual([]);
    });
  });

  it('passes stdin through and closes it', async () => {
    await withRaw(async (sbx) => {
      const handle = await sbx.commands.run('cat', { background: true, stdin: true });
      await sbx.commands.sendStdin(handle.pid, 'piped in\n');
      await sbx.commands.closeStdin(handle.pid);
      expect((await handle.wait()).stdout).toBe('piped in\n');
    });
  });

  it('kill of an unknown pid answers not found (false)', async () => {
    await withRaw(async (sbx) => {
      expect(await sbx.commands.kill(999_999_999)).toBe(false);
    });
  });

  it('honours a client deadline: the process is killed and the call times out', async () => {
    await withRaw(async (sbx) => {
      await expect(sbx.commands.run('sleep 5', { timeoutMs: 200 })).rejects.toThrow(/deadline|timeout/i);
      await eventually(() => fake.sandbox(sbx.sandboxId)?.processes.size === 0);
    });
  });
});

describe('lifecycle', () => {
  it('pause stops the sandbox answering, connect resumes it with its processes', async () => {
    const sbx = await client.Sandbox.create('base', { timeoutMs: 60_000 });
    const handle = await sbx.commands.run('sleep 0.3; echo resumed', { background: true });
    expect(await sbx.pause()).toBe(true);
    expect(await sbx.pause()).toBe(false); // already paused: 409
    expect(await sbx.isRunning()).toBe(false);
    expect((await client.Sandbox.list({ query: { state: ['paused'] } }).nextItems()).map((s) => s.sandboxId)).toContain(
      sbx.sandboxId,
    );

    const back = await client.Sandbox.connect(sbx.sandboxId);
    expect(await back.isRunning()).toBe(true);
    expect((await handle.wait()).stdout).toBe('resumed\n');
    await back.kill();
  });

  it('setTimeout moves the end of the sandbox, and it is killed when that comes', async () => {
    const sbx = await client.Sandbox.create('base', { timeoutMs: 60_000 });
    await sbx.setTimeout(15_000); // 3 s at timeScale 0.2, where it had 12 s left
    const info = await sbx.getInfo();
    expect(info.endAt.getTime() - Date.now()).toBeLessThanOrEqual(3_000);
    await eventually(() => fake.sandbox(sbx.sandboxId) === undefined, 10_000);
    expect(await sbx.isRunning()).toBe(false);
    await expect(client.Sandbox.getInfo(sbx.sandboxId)).rejects.toBeInstanceOf(SandboxNotFoundError);
    expect(await client.Sandbox.kill(sbx.sandboxId)).toBe(false);
  });

  it("rejects envd calls without the sandbox's access token", async () => {
    await withRaw(async (sbx) => {
      const res = await fetch(`${fake.sandboxUrl}/files?path=/home/user/.profile`, {
        headers: { 'E2b-Sandbox-Id': sbx.sandboxId, 'X-Access-Token': 'wrong' },
      });
      expect(res.status).toBe(401);
    });
  });
});

describe('filesystem service', () => {
  it('makeDir, exists, list, rename, getInfo and remove', async () => {
    await withRaw(async (sbx) => {
      expect(await sbx.files.makeDir('/home/user/work/sub')).toBe(true);
      expect(await sbx.files.makeDir('/home/user/work/sub')).toBe(false);
      await sbx.files.write('/home/user/work/a.txt', 'abc');
      await sbx.commands.run('ln -s a.txt /home/user/work/link');
      expect(await sbx.files.exists('/home/user/work/a.txt')).toBe(true);
      expect(await sbx.files.exists('/home/user/work/nope')).toBe(false);

      const entries = await sbx.files.list('/home/user/work');
      expect(entries.map((e) => [e.name, e.type, e.path])).toEqual([
        ['a.txt', 'file', '/home/user/work/a.txt'],
        ['link', 'symlink', '/home/user/work/link'],
        ['sub', 'dir', '/home/user/work/sub'],
      ]);
      expect(entries[0]).toMatchObject({ size: 3, permissions: '-rw-r--r--' });
      expect(entries[1]?.symlinkTarget).toBe('a.txt');

      const moved = await sbx.files.rename('/home/user/work/a.txt', '/home/user/work/sub/b.txt');
      expect(moved.path).toBe('/home/user/work/sub/b.txt');
      expect((await sbx.files.getInfo('/home/user/work/sub/b.txt')).modifiedTime).toBeInstanceOf(Date);
      await sbx.files.remove('/home/user/work/sub');
      expect(await sbx.files.exists('/home/user/work/sub/b.txt')).toBe(false);
    });
  });

  it('uploads as octet-stream and gzip when asked, byte for byte', async () => {
    await withRaw(async (sbx) => {
      const bytes = new Uint8Array([0, 1, 2, 250, 251, 252, 253, 254, 255]);
      await sbx.files.write('/home/user/raw.bin', bytes.buffer, { useOctetStream: true });
      await sbx.files.write('/home/user/gz.bin', bytes.buffer, { gzip: true });
      expect([...(await sbx.files.read('/home/user/raw.bin', { format: 'bytes' }))]).toEqual([...bytes]);
      expect([...(await sbx.files.read('/home/user/gz.bin', { format: 'bytes' }))]).toEqual([...bytes]);
    });
  });
});

describe('pathPrefix', () => {
  it("puts test CLIs on PATH for the SDK's login shells, and nothing of the host env leaks in", async () => {
    const bin = mkdtempSync(join(tmpdir(), 'fake-bin-'));
    writeFileSync(join(bin, 'fake-agent'), '#!/bin/sh\necho "agent ran in $PWD"\n', { mode: 0o755 });
    process.env.HOST_ONLY_SECRET = 'do-not-leak';
    const withBin = await startFakeE2B({ pathPrefix: [bin] });
    try {
      const rawClient = new E2B({ apiKey: withBin.apiKey, apiUrl: withBin.apiUrl, sandboxUrl: withBin.sandboxUrl });
      const sbx = await rawClient.Sandbox.create('base');
      expect((await sbx.commands.run('fake-agent')).stdout).toBe('agent ran in /home/user\n');
      expect((await sbx.commands.run('echo "[$HOST_ONLY_SECRET]"')).stdout).toBe('[]\n');
      await sbx.kill();
    } finally {
      delete process.env.HOST_ONLY_SECRET;
      await withBin.close();
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('rewrite isolation (hosts without user namespaces)', () => {
  it('still maps /home/user into the sandbox directory', async () => {
    const plain = await startFakeE2B({ isolation: 'rewrite' });
    try {
      const rawClient = new E2B({ apiKey: plain.apiKey, apiUrl: plain.apiUrl, sandboxUrl: plain.sandboxUrl });
      const sbx = await rawClient.Sandbox.create('base');
      await sbx.commands.run('mkdir -p /home/user/r && echo hi > /home/user/r/f');
      expect(await sbx.files.read('/home/user/r/f')).toBe('hi\n');
      expect((await sbx.commands.run('echo $HOME')).stdout.trim()).toBe(`${plain.sandbox(sbx.sandboxId)!.hostHome}`);
      await sbx.kill();
    } finally {
      await plain.close();
    }
  });
});
