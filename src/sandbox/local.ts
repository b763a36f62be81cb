import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { OUTPUT_TAIL_BYTES, TailBuffer } from './tail.js';
import {
  CommandAbortedError,
  CommandTimeoutError,
  SandboxError,
  type RunOptions,
  type RunResult,
  type Sandbox,
  type SandboxProvider,
  type SandboxSpec,
} from './types.js';

export interface LocalProviderOptions {
  /** Directories put in front of PATH for every command (where agent CLIs are installed). */
  pathPrefix?: string[];
  /** Parent directory of the sandboxes; the OS temp dir by default. */
  root?: string;
}

/**
 * Development provider: a fresh temp directory on this host. It is NOT isolation: the agent
 * runs as this user. Commands see only PATH, HOME (the sandbox dir), LANG and the env they
 * are given; the app's own environment (keys, private key) never reaches them.
 */
export class LocalSandboxProvider implements SandboxProvider {
  readonly name = 'local' as const;
  /** Live sandboxes of this process, so a follow-up can connect to a kept one. */
  private readonly live = new Map<string, LocalSandbox>();
  constructor(private readonly options: LocalProviderOptions = {}) {}

  /**
   * A sandbox of this process, or one a previous process of the app left behind (its directory,
   * and any agent still running in it, survive the app being killed).
   */
  async connect(id: string): Promise<Sandbox> {
    const known = this.live.get(id);
    if (known) return known;
    const dir = /^local-(issue-agent-sandbox-[A-Za-z0-9]+)$/.exec(id)?.[1];
    const home = dir && join(this.options.root ?? tmpdir(), dir);
    if (
      !home ||
      !(await stat(home).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    )
      throw new SandboxError(`the sandbox ${id} no longer exists`);
    const sandbox = new LocalSandbox(home, this.baseEnv(), 60 * 60_000, () => this.live.delete(id));
    this.live.set(id, sandbox);
    return sandbox;
  }

  private baseEnv(envs: Record<string, string> = {}): Record<string, string> {
    const path = [...(this.options.pathPrefix ?? []), process.env.PATH ?? '/usr/bin:/bin'].join(':');
    return { PATH: path, LANG: 'C.UTF-8', ...envs };
  }

  async create(spec: SandboxSpec): Promise<Sandbox> {
    if (spec.mcp && Object.keys(spec.mcp).length > 0)
      throw new SandboxError(
        "E2B's MCP gateway (`mcp.gateway`) runs only in E2B sandboxes; the local provider cannot start it (use `mcp.remote`)",
      );
    const root = this.options.root ?? tmpdir();
    let home: string;
    try {
      await mkdir(root, { recursive: true });
      home = await mkdtemp(join(root, 'issue-agent-sandbox-'));
    } catch (err) {
      throw new SandboxError(`the local sandbox could not be created: ${(err as Error).message}`, false, {
        cause: err,
      });
    }
    const sandbox = new LocalSandbox(home, this.baseEnv(spec.envs), spec.timeoutMs, () => this.live.delete(sandbox.id));
    this.live.set(sandbox.id, sandbox);
    return sandbox;
  }
}

class LocalSandbox implements Sandbox {
  readonly id: string;
  private readonly running = new Set<ChildProcess>();
  private killed = false;
  private lifetime: NodeJS.Timeout;
  private readonly baseEnv: Record<string, string>;

  constructor(
    readonly home: string,
    baseEnv: Record<string, string>,
    timeoutMs: number,
    private readonly onKilled: () => void,
  ) {
    this.id = `local-${home.split(sep).pop()}`;
    this.baseEnv = { ...baseEnv, HOME: home };
    // Like a cloud sandbox, this one does not outlive its timeout.
    this.lifetime = this.expireIn(timeoutMs);
  }

  setTimeout(ms: number): Promise<void> {
    clearTimeout(this.lifetime);
    this.lifetime = this.expireIn(ms);
    return Promise.resolve();
  }

  /** Nothing to stop: a finished run leaves no process, and the directory stays until its lifetime ends. */
  async pause(): Promise<void> {}

  private expireIn(ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => void this.kill(), ms);
    timer.unref();
    return timer;
  }

  run(cmd: string, opts: RunOptions = {}): Promise<RunResult> {
    if (this.killed) return Promise.reject(new SandboxError('the sandbox stopped unexpectedly'));
    if (opts.signal?.aborted) return Promise.reject(new CommandAbortedError());
    return new Promise((resolvePromise, reject) => {
      const child = spawn('bash', ['-c', cmd], {
        cwd: opts.cwd ? this.resolve(opts.cwd) : this.home,
        env: { ...this.baseEnv, ...opts.env },
        detached: true, // own process group, so kill() takes the whole tree
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.running.add(child);
      const stdout = new Output(opts.keepOutput);
      const stderr = new Output(opts.keepOutput);
      let failure: Error | undefined;
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        stdout.push(c);
        opts.onStdout?.(c);
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        stderr.push(c);
        opts.onStderr?.(c);
      });
      const stop = (err: Error) => {
        failure ??= err;
        killGroup(child);
      };
      const timer = opts.timeoutMs
        ? setTimeout(() => stop(new CommandTimeoutError(opts.timeoutMs!)), opts.timeoutMs)
        : undefined;
      const onAbort = () => stop(new CommandAbortedError());
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (err) => (failure ??= err));
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.running.delete(child);
        if (this.killed && !failure) failure = new SandboxError('the sandbox stopped unexpectedly');
        if (failure) reject(failure);
        else {
          resolvePromise({
            exitCode: code ?? (signal ? 128 : 1),
            stdout: stdout.text(),
            stderr: stderr.text(),
            ...(opts.keepOutput === 'tail' && { stdoutChars: stdout.total, stderrChars: stderr.total }),
          });
        }
      });
    });
  }

  async readFile(path: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.resolve(path)));
  }

  async writeFile(path: string, data: Uint8Array | string): Promise<void> {
    const abs = this.resolve(path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, data);
  }

  async kill(): Promise<void> {
    if (this.killed) return;
    this.killed = true;
    this.onKilled();
    clearTimeout(this.lifetime);
    for (const child of this.running) killGroup(child);
    await rm(this.home, { recursive: true, force: true, maxRetries: 3 });
  }

  /** Paths are absolute inside the sandbox dir, or relative to it; nothing outside it. */
  private resolve(path: string): string {
    const abs = resolve(this.home, path);
    if (abs !== this.home && !abs.startsWith(this.home + sep)) {
      throw new SandboxError(`path outside the sandbox: ${path}`);
    }
    return abs;
  }
}

/** One output stream of a command: kept whole, or only its end (`keepOutput: 'tail'`). */
class Output {
  private whole = '';
  private readonly tail: TailBuffer | undefined;
  constructor(keep: RunOptions['keepOutput']) {
    this.tail = keep === 'tail' ? new TailBuffer(OUTPUT_TAIL_BYTES) : undefined;
  }

  push(chunk: string): void {
    if (this.tail) this.tail.push(chunk);
    else this.whole += chunk;
  }

  /** Characters pushed in all. */
  get total(): number {
    return this.tail ? this.tail.total : this.whole.length;
  }

  text(): string {
    return this.tail ? this.tail.text() : this.whole;
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
