import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerStream } from './connect-protocol.js';
import type { IsolationMode } from './isolation.js';
import type { FakeMcpGateway } from './mcp-gateway.js';
import { SANDBOX_HOME } from './paths.js';
import { FakeProcess, type ProcessConfig } from './process.js';

export type SandboxState = 'running' | 'paused' | 'killed';

/** How a sandbox's open envd streams behave when it dies. */
export type DeathMode =
  /** Connections reset, as when the VM is torn down (the usual case). */
  | 'drop'
  /** Connections stay open and go quiet, as behind a proxy that keeps the client connection. */
  | 'silent';

export interface FakeSandboxInit {
  id: string;
  templateId: string;
  metadata: Record<string, string>;
  envVars: Record<string, string>;
  network: unknown;
  envdAccessToken: string;
  timeoutMs: number;
  autoPause: boolean;
  dir: string;
  isolation: IsolationMode;
  /** Directories put in front of PATH for login shells (where test CLIs live). */
  pathPrefix: string[];
  onGone(sandbox: FakeSandbox): void;
}

/**
 * One sandbox: a directory (`<dir>/home/user` is its home) and the processes started in it.
 * It dies on kill, on crash (fault injection) or when its timeout expires; then its processes
 * are killed without reporting an end, its streams are dropped and its directory removed.
 */
export class FakeSandbox {
  readonly id: string;
  readonly templateId: string;
  readonly metadata: Record<string, string>;
  readonly envVars: Record<string, string>;
  readonly network: unknown;
  readonly envdAccessToken: string;
  readonly dir: string;
  readonly startedAt = new Date();
  endAt: Date;
  state: SandboxState = 'running';
  readonly processes = new Map<number, FakeProcess>();
  readonly streams = new Set<ServerStream>();
  /** E2B's MCP gateway, once the SDK started it in this sandbox. */
  mcpGateway: FakeMcpGateway | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly init: FakeSandboxInit) {
    this.id = init.id;
    this.templateId = init.templateId;
    this.metadata = init.metadata;
    this.envVars = init.envVars;
    this.network = init.network;
    this.envdAccessToken = init.envdAccessToken;
    this.dir = init.dir;
    mkdirSync(join(this.dir, SANDBOX_HOME), { recursive: true });
    if (init.pathPrefix.length > 0) {
      // Login shells (the SDK runs `bash -l -c`) reset PATH in /etc/profile; ~/.profile runs after it.
      writeFileSync(
        join(this.dir, SANDBOX_HOME, '.profile'),
        `export PATH=${JSON.stringify(init.pathPrefix.join(':'))}":$PATH"\n`,
      );
    }
    this.endAt = new Date();
    this.setTimeout(init.timeoutMs);
  }

  get hostHome(): string {
    return join(this.dir, SANDBOX_HOME);
  }

  /** Restarts the lifetime clock: the sandbox now ends `ms` from now. */
  setTimeout(ms: number): void {
    clearTimeout(this.timer);
    this.endAt = new Date(Date.now() + ms);
    this.timer = setTimeout(() => (this.init.autoPause ? this.pause() : this.die('drop')), ms);
    this.timer.unref();
  }

  start(config: ProcessConfig, tag: string | undefined, withStdin: boolean): FakeProcess {
    const proc = new FakeProcess(
      config,
      tag,
      this.init.isolation,
      this.dir,
      {
        cmd: config.cmd,
        args: config.args,
        cwd: config.cwd ?? SANDBOX_HOME,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          USER: 'user',
          LANG: 'C.UTF-8',
          ...this.envVars,
          ...config.envs,
        },
      },
      withStdin,
    );
    this.processes.set(proc.pid, proc);
    proc.subscribe((event) => {
      if ('end' in event) this.processes.delete(proc.pid);
    });
    return proc;
  }

  pause(): boolean {
    if (this.state !== 'running') return false;
    this.state = 'paused';
    clearTimeout(this.timer);
    for (const proc of this.processes.values()) proc.signal('SIGSTOP');
    // A paused VM answers nothing: its open streams hang until it resumes.
    return true;
  }

  resume(timeoutMs: number | undefined): void {
    if (this.state !== 'paused') return;
    this.state = 'running';
    for (const proc of this.processes.values()) proc.signal('SIGCONT');
    this.setTimeout(timeoutMs ?? this.init.timeoutMs);
  }

  /** Ends the sandbox: processes vanish, streams drop or go silent, files are removed. */
  die(mode: DeathMode): void {
    if (this.state === 'killed') return;
    this.state = 'killed';
    clearTimeout(this.timer);
    for (const proc of this.processes.values()) proc.vanish();
    this.processes.clear();
    for (const stream of this.streams) {
      if (mode === 'drop') stream.drop();
      else stream.mute();
    }
    this.streams.clear();
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
    this.init.onGone(this);
  }
}
