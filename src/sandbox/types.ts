/**
 * The sandbox boundary. Everything the agent does happens behind this interface;
 * the pipeline never touches the host's filesystem or processes directly.
 */

export interface SandboxSpec {
  /** Template (E2B) the sandbox starts from, usually the agent's name. */
  template: string;
  /** Environment variables set for every process in the sandbox. */
  envs?: Record<string, string>;
  /** Tags that let us find the sandbox again (app, repo, issue, job id). */
  metadata: Record<string, string>;
  /** Lifetime of the sandbox; it is killed by the provider after this. */
  timeoutMs: number;
  /** Hosts/CIDRs the sandbox may reach; undefined means unrestricted. */
  allowOut?: string[];
  /** Pause instead of kill when the timeout ends (kept for follow-ups; E2B resumes it on connect). */
  pauseOnTimeout?: boolean;
  /**
   * Servers of E2B's MCP gateway with their settings (secrets filled in), started in the
   * sandbox at create. Only E2B runs it; other providers refuse a spec with servers.
   */
  mcp?: Record<string, Record<string, unknown>>;
}

/** Where the agent reaches the sandbox's MCP gateway, and the bearer token it needs. */
export interface McpGateway {
  url: string;
  token: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Kill the command after this long. 0 means no limit of its own (the job's deadline applies through `signal`). */
  timeoutMs?: number;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
  /**
   * `'all'` (the default): the result holds the whole stdout and stderr. `'tail'`: only their
   * last `OUTPUT_TAIL_BYTES` (sandbox/tail.ts), for a caller that streams the output through
   * `onStdout`/`onStderr` and must not hold it all in memory (an agent may print gigabytes).
   */
  keepOutput?: 'all' | 'tail';
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** With `keepOutput: 'tail'`: how many characters stdout had in all (`stdout` is its end). */
  stdoutChars?: number;
  /** With `keepOutput: 'tail'`: how many characters stderr had in all (`stderr` is its end). */
  stderrChars?: number;
}

export interface Sandbox {
  readonly id: string;
  /** Absolute path of the sandbox user's home; the repository is cloned below it. */
  readonly home: string;
  /** Runs a shell command. A non-zero exit is a result, not an error; timeouts and aborts reject. */
  run(cmd: string, opts?: RunOptions): Promise<RunResult>;
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  /** Sets the remaining lifetime from now (a finished run's sandbox kept for follow-ups). */
  setTimeout(ms: number): Promise<void>;
  /**
   * Stops it keeping its files and processes, so a kept sandbox costs no compute while it
   * waits for a follow-up; `connect` resumes it.
   */
  pause(): Promise<void>;
  kill(): Promise<void>;
  /** The MCP gateway started with the sandbox (`SandboxSpec.mcp`); undefined when it has none. */
  mcpGateway?(): Promise<McpGateway | undefined>;
}

export interface SandboxProvider {
  readonly name: 'e2b' | 'local';
  create(spec: SandboxSpec): Promise<Sandbox>;
  connect?(id: string): Promise<Sandbox>;
}

/** An error whose message is written for the maintainer reading the status comment. */
export class SandboxError extends Error {
  constructor(
    message: string,
    /** True when trying again later may succeed (rate limits, capacity). */
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SandboxError';
  }
}

/** The provider is at a rate or concurrency limit: the job waits and tries again, it does not fail. */
export class SandboxCapacityError extends SandboxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, true, options);
    this.name = 'SandboxCapacityError';
  }
}

export class CommandTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`command timed out after ${Math.round(timeoutMs / 1000)} s`);
    this.name = 'CommandTimeoutError';
  }
}

export class CommandAbortedError extends Error {
  constructor() {
    super('command aborted');
    this.name = 'CommandAbortedError';
  }
}
