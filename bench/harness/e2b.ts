import { spawn, type ChildProcess } from 'node:child_process';
import { root } from '../../test/helpers/app-process.js';

export interface BenchE2B {
  apiUrl: string;
  sandboxUrl: string;
  apiKey: string;
  isolation: string;
  child: ChildProcess;
  close(): Promise<void>;
}

/**
 * Starts `bench/harness/e2b-server.ts` as a child process (so that the fork and exec of its
 * sandboxes' processes never block the app's or the benchmark's event loop), its sandboxes'
 * login shells with `pathPrefix` first on PATH.
 */
export async function startBenchE2B(pathPrefix: string[]): Promise<BenchE2B> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/harness/e2b-server.ts', ...pathPrefix], {
    cwd: root,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const t0 = Date.now();
  while (!out.includes('\n')) {
    if (child.exitCode !== null) throw new Error(`the E2B stand-in exited at start:\n${err}`);
    if (Date.now() - t0 > 30_000) throw new Error(`the E2B stand-in did not start:\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const info = JSON.parse(out.split('\n')[0]!) as Omit<BenchE2B, 'child' | 'close'>;
  return {
    ...info,
    child,
    close: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
