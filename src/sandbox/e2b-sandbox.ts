import { CommandExitError, type CommandHandle, type Sandbox as SdkSandbox } from 'e2b';
import { withDeadline } from './deadline.js';
import { toSandboxError } from './e2b-errors.js';
import { OUTPUT_TAIL_BYTES, TailBuffer } from './tail.js';
import {
  CommandAbortedError,
  CommandTimeoutError,
  SandboxError,
  type McpGateway,
  type RunOptions,
  type RunResult,
  type Sandbox,
} from './types.js';

export interface E2BSandboxOptions {
  /** Timeout of each E2B API/envd request (not of commands). */
  requestTimeoutMs: number;
  /** How often a running command checks that the sandbox is still alive. */
  healthCheckIntervalMs: number;
  /** When the sandbox's own lifetime ends, if known: turns "stopped" into "reached its time limit". */
  expiresAt?: number;
}

/** E2B's sandbox user; every template used here has it. */
export const E2B_HOME = '/home/user';

/** Exit statuses for commands envd reports as killed by a signal (exit code -1), as a shell reports them. */
const SIGNAL_EXIT: Record<string, number> = { hangup: 129, interrupt: 130, killed: 137, terminated: 143 };

/** One E2B sandbox behind our {@link Sandbox} interface. */
export class E2BSandbox implements Sandbox {
  readonly home = E2B_HOME;
  private killed = false;
  private gone = false;

  constructor(
    private readonly sdk: SdkSandbox,
    private readonly options: E2BSandboxOptions,
  ) {}

  get id(): string {
    return this.sdk.sandboxId;
  }

  /**
   * The gateway's URL (its port on the sandbox's host) and token: kept by the SDK from the
   * create that started it, else read from the token file the gateway wrote (a resumed sandbox).
   */
  async mcpGateway(): Promise<McpGateway | undefined> {
    try {
      const token = await this.sdk.getMcpToken();
      return token ? { url: this.sdk.getMcpUrl(), token } : undefined;
    } catch {
      return undefined;
    }
  }

  async run(cmd: string, opts: RunOptions = {}): Promise<RunResult> {
    if (this.killed || this.gone) throw this.stoppedError();
    if (opts.signal?.aborted) throw new CommandAbortedError();

    // Aborting before the start event arrives cancels the start request itself.
    const starting = new AbortController();
    const cancelStart = () => starting.abort();
    opts.signal?.addEventListener('abort', cancelStart, { once: true });
    let handle: CommandHandle | undefined;
    const tails = opts.keepOutput === 'tail' ? new OutputTails(() => handle) : undefined;
    try {
      handle = await this.sdk.commands.run(cmd, {
        background: true,
        ...(opts.cwd !== undefined && { cwd: opts.cwd }),
        ...(opts.env !== undefined && { envs: opts.env }),
        ...((opts.onStdout || tails) && { onStdout: tails ? tails.stdout(opts.onStdout) : opts.onStdout }),
        ...((opts.onStderr || tails) && { onStderr: tails ? tails.stderr(opts.onStderr) : opts.onStderr }),
        // 0 = no SDK deadline. The SDK's default (60 s) would kill any agent; our own timer
        // below and the job's abort signal decide when a command stops.
        timeoutMs: 0,
        requestTimeoutMs: this.options.requestTimeoutMs,
        signal: starting.signal,
      });
    } catch (err) {
      if (opts.signal?.aborted) throw new CommandAbortedError();
      throw await this.failure(err, 'start the command');
    } finally {
      opts.signal?.removeEventListener('abort', cancelStart);
    }
    return this.wait(handle, opts, tails);
  }

  async readFile(path: string): Promise<Uint8Array> {
    if (this.killed || this.gone) throw this.stoppedError();
    try {
      return await this.request((signal) =>
        this.sdk.files.read(path, { format: 'bytes', requestTimeoutMs: this.options.requestTimeoutMs, signal }),
      );
    } catch (err) {
      throw await this.failure(err, `read ${path}`);
    }
  }

  async writeFile(path: string, data: Uint8Array | string): Promise<void> {
    if (this.killed || this.gone) throw this.stoppedError();
    // A copy, so the SDK gets a plain ArrayBuffer holding exactly these bytes (not a view's whole buffer).
    const body = typeof data === 'string' ? data : new Uint8Array(data).buffer;
    try {
      await this.request((signal) =>
        this.sdk.files.write(path, body, { requestTimeoutMs: this.options.requestTimeoutMs, signal }),
      );
    } catch (err) {
      throw await this.failure(err, `write ${path}`);
    }
  }

  async setTimeout(ms: number): Promise<void> {
    try {
      await this.request((signal) =>
        this.sdk.setTimeout(ms, { requestTimeoutMs: this.options.requestTimeoutMs, signal }),
      );
      this.options.expiresAt = Date.now() + ms;
    } catch (err) {
      throw toSandboxError(err, { action: 'extend the sandbox' });
    }
  }

  async pause(): Promise<void> {
    try {
      await this.request((signal) => this.sdk.pause({ requestTimeoutMs: this.options.requestTimeoutMs, signal }));
    } catch (err) {
      throw toSandboxError(err, { action: 'pause the sandbox' });
    }
  }

  async kill(): Promise<void> {
    if (this.killed) return;
    this.killed = true;
    try {
      // false means E2B no longer knows it: already gone, which is what we wanted.
      await this.request((signal) => this.sdk.kill({ requestTimeoutMs: this.options.requestTimeoutMs, signal }));
    } catch (err) {
      throw toSandboxError(err, { action: 'kill the sandbox' });
    }
  }

  /** Waits for the command's end, its abort, its own timeout, or the sandbox's death. */
  private wait(handle: CommandHandle, opts: RunOptions, tails: OutputTails | undefined): Promise<RunResult> {
    const output = (r: { stdout: string; stderr: string }) => tails?.result() ?? { stdout: r.stdout, stderr: r.stderr };
    return new Promise<RunResult>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(watchdog);
        opts.signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const stopWith = (error: Error) => {
        if (settled) return;
        void this.stopProcess(handle).finally(() => settle(() => reject(error)));
      };
      const onAbort = () => stopWith(new CommandAbortedError());
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = opts.timeoutMs
        ? setTimeout(() => stopWith(new CommandTimeoutError(opts.timeoutMs!)), opts.timeoutMs)
        : undefined;

      // A sandbox can vanish without the stream breaking (a proxy keeping the connection up):
      // without this check the run would wait for output that never comes.
      let checking = false;
      const watchdog = setInterval(() => {
        if (checking || settled) return;
        checking = true;
        void this.isGone()
          .then((gone) => {
            if (!gone) return;
            this.gone = true;
            void handle.disconnect();
            settle(() => reject(this.stoppedError()));
          })
          .finally(() => (checking = false));
      }, this.options.healthCheckIntervalMs);

      handle.wait().then(
        (result) => settle(() => resolve({ exitCode: result.exitCode, ...output(result) })),
        async (err: unknown) => {
          if (settled) return;
          // A non-zero exit is a result, not an error.
          if (err instanceof CommandExitError) {
            settle(() => resolve({ exitCode: exitCodeOf(err), ...output(err) }));
            return;
          }
          const error = await this.failure(err, 'run the command');
          settle(() => reject(error));
        },
      );
    });
  }

  private async stopProcess(handle: CommandHandle): Promise<void> {
    await this.request(
      (signal) => this.sdk.commands.kill(handle.pid, { requestTimeoutMs: this.quickTimeoutMs, signal }),
      this.quickTimeoutMs,
    ).catch(() => false);
    await handle.disconnect();
  }

  /** Maps an error, first asking E2B whether the sandbox is still there: a dead sandbox explains everything. */
  private async failure(err: unknown, action: string): Promise<SandboxError> {
    if (this.gone || (await this.isGone())) {
      this.gone = true;
      return this.stoppedError(err);
    }
    return toSandboxError(err, { action });
  }

  private async isGone(): Promise<boolean> {
    try {
      return !(await this.request(
        (signal) => this.sdk.isRunning({ requestTimeoutMs: this.quickTimeoutMs, signal }),
        this.quickTimeoutMs,
      ));
    } catch {
      return false; // unknown: report the original error instead
    }
  }

  /** One unary E2B request under our own deadline (see {@link withDeadline}). */
  private request<T>(call: (signal: AbortSignal) => Promise<T>, ms = this.options.requestTimeoutMs): Promise<T> {
    return withDeadline(ms, call);
  }

  /** Health checks and process kills should not wait as long as a file transfer may. */
  private get quickTimeoutMs(): number {
    return Math.min(this.options.requestTimeoutMs, 10_000);
  }

  private stoppedError(cause?: unknown): SandboxError {
    const options = cause === undefined ? undefined : { cause };
    if (this.options.expiresAt !== undefined && Date.now() >= this.options.expiresAt) {
      return new SandboxError('the sandbox reached its time limit and was stopped', false, options);
    }
    return new SandboxError('the sandbox stopped unexpectedly', false, options);
  }
}

/**
 * `keepOutput: 'tail'` for E2B. The SDK's command handle appends every chunk to its own
 * `stdout`/`stderr` strings and offers no way to turn that off, so after each chunk those
 * strings are emptied (they are only read for the result, which comes from our tails instead).
 * test/sandbox/e2b-provider.test.ts fails if an SDK upgrade renames them.
 */
class OutputTails {
  private readonly out = new TailBuffer(OUTPUT_TAIL_BYTES);
  private readonly err = new TailBuffer(OUTPUT_TAIL_BYTES);
  constructor(private readonly handle: () => CommandHandle | undefined) {}

  stdout(listener: ((chunk: string) => void) | undefined): (chunk: string) => void {
    return (chunk) => {
      this.out.push(chunk);
      this.forget('_stdout');
      listener?.(chunk);
    };
  }

  stderr(listener: ((chunk: string) => void) | undefined): (chunk: string) => void {
    return (chunk) => {
      this.err.push(chunk);
      this.forget('_stderr');
      listener?.(chunk);
    };
  }

  result(): Pick<RunResult, 'stdout' | 'stderr' | 'stdoutChars' | 'stderrChars'> {
    return {
      stdout: this.out.text(),
      stderr: this.err.text(),
      stdoutChars: this.out.total,
      stderrChars: this.err.total,
    };
  }

  private forget(field: '_stdout' | '_stderr'): void {
    const handle = this.handle() as unknown as Record<string, unknown> | undefined;
    if (handle && typeof handle[field] === 'string') handle[field] = '';
  }
}

function exitCodeOf(err: CommandExitError): number {
  if (err.exitCode >= 0) return err.exitCode;
  const signal = /signal: (\w+)/.exec(err.error ?? '')?.[1] ?? '';
  return SIGNAL_EXIT[signal] ?? 128;
}
