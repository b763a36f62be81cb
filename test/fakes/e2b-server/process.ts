import { spawn, type ChildProcess } from 'node:child_process';
import { planSpawn, type IsolationMode, type ProcessRequest } from './isolation.js';

/** `process.ProcessEvent` in protobuf JSON form (bytes as base64, field names in lowerCamelCase). */
export type ProcessEvent =
  | { start: { pid: number } }
  | { data: { stdout: string } | { stderr: string } }
  | { end: { exitCode: number; exited: boolean; status: string; error?: string } }
  | { keepalive: Record<string, never> };

export interface ProcessConfig {
  cmd: string;
  args: string[];
  envs: Record<string, string>;
  cwd?: string;
}

type Listener = (event: ProcessEvent) => void;

/** Go's `ProcessState.String()` names, which envd reports as the end status. */
const SIGNAL_NAMES: Record<string, string> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGINT: 'interrupt',
  SIGHUP: 'hangup',
};

/**
 * One process started through envd. Output is fanned out to every attached stream (the
 * `Start` stream and any `Connect`ed ones); nothing is replayed to a late subscriber, as in
 * envd. The process runs in its own process group so a signal reaches the whole tree.
 */
export class FakeProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  private readonly listeners = new Set<Listener>();
  private ended: ProcessEvent | undefined;
  /** Set when the sandbox died: the process must not report anything any more. */
  private silenced = false;

  constructor(
    readonly config: ProcessConfig,
    readonly tag: string | undefined,
    mode: IsolationMode,
    sandboxDir: string,
    request: ProcessRequest,
    withStdin: boolean,
  ) {
    const plan = planSpawn(mode, sandboxDir, request);
    this.child = spawn(plan.file, plan.args, {
      cwd: plan.cwd,
      env: plan.env,
      detached: true,
      stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) throw new Error(`could not start ${config.cmd}`);
    this.pid = this.child.pid;
    this.child.stdout?.on('data', (chunk: Buffer) => this.emit({ data: { stdout: chunk.toString('base64') } }));
    this.child.stderr?.on('data', (chunk: Buffer) => this.emit({ data: { stderr: chunk.toString('base64') } }));
    this.child.on('close', (code, signal) => {
      const end: ProcessEvent =
        code !== null
          ? { end: { exitCode: code, exited: true, status: `exit status ${code}` } }
          : {
              end: {
                exitCode: -1,
                exited: false,
                status: `signal: ${SIGNAL_NAMES[signal ?? ''] ?? signal}`,
                error: `signal: ${SIGNAL_NAMES[signal ?? ''] ?? signal}`,
              },
            };
      this.emit(end);
      this.ended = end;
    });
  }

  get running(): boolean {
    return this.ended === undefined;
  }

  /** Attaches a listener; returns the detach function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  signal(name: 'SIGKILL' | 'SIGTERM' | 'SIGSTOP' | 'SIGCONT'): void {
    try {
      process.kill(-this.pid, name);
    } catch {
      // the group is already gone
    }
  }

  writeStdin(data: Buffer): void {
    this.child.stdin?.write(data);
  }

  closeStdin(): void {
    this.child.stdin?.end();
  }

  /** Kills the process without it reporting an end: the sandbox around it is gone. */
  vanish(): void {
    this.silenced = true;
    this.signal('SIGKILL');
  }

  private emit(event: ProcessEvent): void {
    if (this.silenced) return;
    for (const listener of [...this.listeners]) listener(event);
  }
}
