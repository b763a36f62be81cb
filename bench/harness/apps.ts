import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppProcess, type AppProcess } from '../../test/helpers/app-process.js';
import { freePort, privateKey } from '../../test/helpers/probot.js';

export const WEBHOOK_SECRET = 'bench-webhook-secret';
export const AGENT_KEY = 'sk-ant-api03-benchAgentKey-000000000000';

export interface BenchApp {
  name: string;
  port: number;
  process: AppProcess;
  /**
   * The resident set now and at its highest so far (MB), from /proc: of the app's own processes
   * together (the real app: the webhook process and its runner process; each one's peak, summed).
   */
  rss(): { nowMB: number; peakMB: number; parts: string };
  /** The real app's runner process (src/runner-main.ts), once it runs. */
  runnerPid(): number | undefined;
  stop(): Promise<void>;
}

/** Where the E2B stand-in listens (see `./e2b.ts`). */
export interface E2BEndpoint {
  apiUrl: string;
  sandboxUrl: string;
  apiKey: string;
}

/**
 * An app as a child process, pointed at the GitHub stand-in through GHE_HOST: the real one
 * (`src/main.ts`) or the bare Probot app the real one is compared with (`bench/bare-app.ts`).
 * The real one runs its sandboxes with the local provider (`agentBin` first on its PATH), or,
 * given `e2b`, with the E2B provider against the E2B stand-in, with `PUBLIC_URL` set to its own
 * loopback address so that the broker is on as it is with the local provider.
 */
export async function startBenchApp(
  kind: 'real' | 'bare',
  options: {
    githubHost: string;
    agentBin?: string;
    e2b?: E2BEndpoint;
    env?: Record<string, string>;
    /** Write a CPU profile of the process into this directory when it exits (`./cpu-prof.ts`). */
    cpuProfDir?: string;
  },
): Promise<BenchApp> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'issue-agent-bench-'));
  const name = kind === 'real' ? 'the app' : 'the bare Probot app';
  const process_ = await startAppProcess(
    {
      NODE_ENV: 'production',
      APP_ID: '1',
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      GHE_HOST: options.githubHost,
      GHE_PROTOCOL: 'http',
      ...(options.e2b
        ? {
            SANDBOX_PROVIDER: 'e2b',
            E2B_API_KEY: options.e2b.apiKey,
            E2B_API_URL: options.e2b.apiUrl,
            E2B_SANDBOX_URL: options.e2b.sandboxUrl,
            PUBLIC_URL: `http://127.0.0.1:${port}`,
          }
        : { SANDBOX_PROVIDER: 'local' }),
      DATA_DIR: dataDir,
      ANTHROPIC_API_KEY: AGENT_KEY,
      ...(options.agentBin && { PATH: `${options.agentBin}:${process.env.PATH}` }),
      ...(options.cpuProfDir && { BENCH_CPU_PROF_DIR: options.cpuProfDir }),
      ...options.env,
    },
    {
      name,
      // The real app as production runs it: compiled (the bench builds dist/ first), no TypeScript loader.
      ...(kind === 'bare' ? { entry: 'bench/bare-app.ts' } : { built: true }),
      ...(options.cpuProfDir && { imports: ['./bench/harness/cpu-prof.ts'] }),
    },
  );
  const pid = process_.child.pid!;
  return {
    name,
    port,
    process: process_,
    rss: () => {
      const runner = runnerOf(pid);
      const [a, r] = [rssOf(pid), runner === undefined ? { nowMB: 0, peakMB: 0 } : rssOf(runner)];
      const parts = runner === undefined ? '' : `app ${a.peakMB.toFixed(0)} + runner ${r.peakMB.toFixed(0)} MB`;
      return { nowMB: a.nowMB + r.nowMB, peakMB: a.peakMB + r.peakMB, parts };
    },
    runnerPid: () => runnerOf(pid),
    stop: async () => {
      process_.child.kill('SIGTERM');
      const timer = setTimeout(() => process_.child.kill('SIGKILL'), 10_000);
      await process_.exited;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** VmRSS and VmHWM (the kernel's high-water mark: no sample can miss the peak) of a Linux process. */
function rssOf(pid: number): { nowMB: number; peakMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { nowMB: kB('VmRSS') / 1024, peakMB: kB('VmHWM') / 1024 };
}

/** The child of `pid` that runs src/runner-main.ts (the real app forks it at start). */
function runnerOf(pid: number): number | undefined {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return children.map(Number).find((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('runner-main');
    } catch {
      return false; // gone meanwhile
    }
  });
}
