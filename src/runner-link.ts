import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import type { Logger } from 'pino';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { AbortReason } from './domain/abort.js';
import type { UsageTotals } from './domain/usage.js';
import { reasonOf, type WriteScheduler } from './github/write-queue.js';
import type { RunnerControl } from './jobs/runner.js';

/**
 * The app runs its jobs in a runner process of its own, so that agent runs (sandbox calls,
 * output parsing, git) never hold up the webhook server's event loop. The two talk over the
 * IPC channel of `fork`: the app wakes the runner after an enqueue, ends runs (`/agent stop`,
 * the broker's limits) and forwards the broker's meter; the runner asks the app's write queues
 * for each GitHub write (one queue per installation for the whole replica, acknowledgements
 * first) and answers for its metrics. Jobs themselves pass through the store, as between replicas.
 */
type ToRunner =
  | { t: 'wake' }
  | { t: 'abort'; jobId: string; reason: AbortReason }
  | { t: 'usage'; jobId: string; totals: UsageTotals }
  | { t: 'write-go'; id: number }
  | { t: 'write-end'; id: number }
  | { t: 'metrics'; id: number }
  | { t: 'stop'; graceMs: number };

type ToApp =
  | { t: 'running'; n: number }
  | { t: 'write'; id: number; installationId: number; acknowledgement: boolean; method: string; url: string }
  | { t: 'write-done'; id: number; failure?: WriteFailure }
  | { t: 'write-cancel'; id: number }
  | { t: 'metrics'; id: number; metrics: MetricObjectWithValues<MetricValue<string>>[] };

/** What the app's write queue needs to know of a failed write: is it a rate limit, and for how long. */
interface WriteFailure {
  status?: number;
  message: string;
  headers: Record<string, string | undefined>;
}

/** The runner's scheduling priority (nice): below the app's 0. */
const RUNNER_NICENESS = 10;

type Metrics = MetricObjectWithValues<MetricValue<string>>[];

/** The app's side: starts the runner process, keeps it running, and serves its writes. */
export class RunnerProcess implements RunnerControl {
  private child: ChildProcess | undefined;
  private stopping = false;
  private reported = 0;
  private seq = 0;
  private readonly writes = new Map<
    number,
    { go?: { resolve(): void; reject(err: unknown): void }; cancel: AbortController }
  >();
  private readonly metricRequests = new Map<number, (m: Metrics) => void>();
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: {
      /** The runner's entry module (src/runner-main.ts, built or through tsx). */
      entry: string;
      queues: WriteScheduler;
      log: Logger;
      /** Wait before starting a runner again after it died (1 s). */
      restartDelayMs?: number;
      /** Node's flags for the runner (this process's own by default: the same loader, in development tsx). */
      execArgv?: string[];
    },
  ) {}

  start(): void {
    if (this.stopping) return;
    // The runner inherits the environment (with .env applied) and the loader flags (tsx in development).
    const child = fork(this.o.entry, [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
      ...(this.o.execArgv && { execArgv: this.o.execArgv }),
    });
    this.child = child;
    // When the CPU is short, the webhook server comes first: GitHub waits on its answers, jobs
    // can take a moment longer. (The runner's own children, local sandboxes among them, inherit it.)
    try {
      setPriority(child.pid!, RUNNER_NICENESS);
    } catch (err) {
      this.o.log.warn({ err }, 'could not lower the runner process priority');
    }
    child.on('message', (m: ToApp) => this.onMessage(child, m));
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.reported = 0;
        // Writes it waited for are given up: its installation queues must not stall on them.
        for (const [id, w] of this.writes) {
          w.go?.reject(new Error('the runner process exited'));
          w.cancel.abort(new Error('the runner process exited'));
          this.writes.delete(id);
        }
        for (const reply of this.metricRequests.values()) reply([]);
        this.metricRequests.clear();
        resolve();
        if (this.stopping) return;
        // Its jobs go back to the queue at the new runner's first look (their worker's pid is gone).
        this.o.log.error({ code, signal }, 'the runner process exited: starting it again');
        setTimeout(() => this.start(), this.o.restartDelayMs ?? 1_000).unref();
      }),
    );
  }

  wake(): void {
    this.send({ t: 'wake' });
  }

  cancelHere(jobId: string, by: string): void {
    this.abortHere(jobId, { kind: 'cancelled', by });
  }

  /** Sent to the runner, which ends the job if it runs it (true: a runner is there to hear it). */
  abortHere(jobId: string, reason: AbortReason): boolean {
    return this.send({ t: 'abort', jobId, reason });
  }

  usage(jobId: string, totals: UsageTotals): void {
    this.send({ t: 'usage', jobId, totals });
  }

  get running(): number {
    return this.reported;
  }

  /** The runner process's pid, while it runs. */
  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /** The runner's own metrics (job durations, sandbox starts, its GitHub calls), for /metrics. */
  metrics(): Promise<Metrics> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      if (!this.send({ t: 'metrics', id })) return resolve([]);
      this.metricRequests.set(id, resolve);
    });
  }

  /** Lets the runner finish its jobs within `graceMs` (it hands the rest back), and waits for it to exit. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.send({ t: 'stop', graceMs });
    await this.exited;
  }

  private send(m: ToRunner): boolean {
    const child = this.child;
    if (!child?.connected) return false;
    child.send(m);
    return true;
  }

  private onMessage(child: ChildProcess, m: ToApp): void {
    if (m.t === 'running') this.reported = m.n;
    else if (m.t === 'metrics') {
      this.metricRequests.get(m.id)?.(m.metrics);
      this.metricRequests.delete(m.id);
    } else if (m.t === 'write') this.scheduleWrite(child, m);
    else if (m.t === 'write-done') {
      const go = this.writes.get(m.id)?.go;
      if (!go) return;
      if (m.failure) go.reject(rebuiltFailure(m.failure));
      else go.resolve();
    } else if (m.t === 'write-cancel') this.writes.get(m.id)?.cancel.abort(new Error('superseded by a newer write'));
  }

  /**
   * The runner's write takes its turn in this process's queue of its installation; the queue
   * says "go" (again, after a secondary rate limit) and hears how each attempt went.
   */
  private scheduleWrite(child: ChildProcess, m: Extract<ToApp, { t: 'write' }>): void {
    const entry: { go?: { resolve(): void; reject(err: unknown): void }; cancel: AbortController } = {
      cancel: new AbortController(),
    };
    this.writes.set(m.id, entry);
    const attempt = () =>
      new Promise<void>((resolve, reject) => {
        entry.go = { resolve, reject };
        if (child.connected) child.send({ t: 'write-go', id: m.id } satisfies ToRunner);
        else reject(new Error('the runner process exited'));
      });
    const end = () => {
      this.writes.delete(m.id);
      if (child.connected) child.send({ t: 'write-end', id: m.id } satisfies ToRunner);
    };
    this.o.queues
      .schedule(m.installationId, attempt, {
        acknowledgement: m.acknowledgement,
        superseded: entry.cancel.signal,
        method: m.method,
        url: m.url,
      })
      .then(end, end);
  }
}

/** How long a runner whose app is gone may take to hand its jobs back before it exits anyway. */
const ORPHAN_EXIT_MS = 10_000;

/** The runner's side of the link: serves the app's messages and reports how many jobs it runs. */
export function serveRunnerLink(o: {
  runner: RunnerControl;
  onUsage(jobId: string, totals: UsageTotals): void;
  metrics(): Promise<Metrics>;
  /** Stop (graceful, within `graceMs`) and exit; also called with 0 when the app goes away. */
  stop(graceMs: number): Promise<void>;
  /** The grace period of a SIGTERM to the runner itself (the app's, as a service manager signals the whole group). */
  shutdownGraceMs: number;
  writes: RemoteWriteQueues;
}): void {
  let last = -1;
  const report = setInterval(() => {
    if (o.runner.running === last) return;
    last = o.runner.running;
    tell({ t: 'running', n: last });
  }, 250);
  report.unref();
  let stopping: Promise<void> | undefined;
  const stop = (graceMs: number) => (stopping ??= o.stop(graceMs));
  process.on('message', (m: ToRunner) => {
    if (m.t === 'wake') o.runner.wake();
    else if (m.t === 'abort') o.runner.abortHere(m.jobId, m.reason);
    else if (m.t === 'usage') o.onUsage(m.jobId, m.totals);
    else if (m.t === 'write-go') o.writes.go(m.id);
    else if (m.t === 'write-end') o.writes.end(m.id);
    else if (m.t === 'metrics') void o.metrics().then((metrics) => tell({ t: 'metrics', id: m.id, metrics }));
    else if (m.t === 'stop') void stop(m.graceMs);
  });
  // The app is gone (killed, crashed): hand the jobs back at once for the next app to pick up.
  // Writes waiting for its queues fail (no turn will come); a runner without its app never lingers.
  process.on('disconnect', () => {
    o.writes.close();
    setTimeout(() => process.exit(1), ORPHAN_EXIT_MS).unref();
    void stop(0);
  });
  process.on('SIGTERM', () => void stop(o.shutdownGraceMs));
}

/**
 * The runner's write "queues": each write asks the app's queue of its installation for its
 * turn, is sent when told to go (again after a secondary rate limit), and settles when the app
 * says the queue is done with it. So one replica spaces an installation's writes as one, whichever
 * process makes them, and the app's acknowledgements still go first.
 */
export class RemoteWriteQueues implements WriteScheduler {
  private seq = 0;
  private closed = false;
  private readonly pending = new Map<number, { go(): void; end(): void; sending: boolean }>();

  schedule<T>(
    installationId: number,
    send: () => Promise<T>,
    options: { acknowledgement?: boolean; superseded?: AbortSignal; method?: string; url?: string } = {},
  ): Promise<T> {
    const id = ++this.seq;
    const { superseded } = options;
    return new Promise<T>((resolve, reject) => {
      if (superseded?.aborted) return reject(reasonOf(superseded));
      if (this.closed) return reject(new Error('the app is gone: no write is sent'));
      let result: { ok: true; value: T } | { ok: false; err: Error } | undefined;
      const entry = {
        sending: false,
        go: () => {
          entry.sending = true;
          const settled = (r: typeof result, failure?: WriteFailure) => {
            result = r;
            // Without its app, no turn ends it: a write that was under way ends when it does.
            if (this.closed) entry.end();
            else tell({ t: 'write-done', id, ...(failure && { failure }) });
          };
          send().then(
            (value) => settled({ ok: true, value }),
            // Octokit's RequestError, passed on as it is.
            (err: unknown) => settled({ ok: false, err: err as Error }, failureOf(err)),
          );
        },
        end: () => {
          this.pending.delete(id);
          superseded?.removeEventListener('abort', onAbort);
          if (result?.ok) resolve(result.value);
          else if (result) reject(result.err);
          else reject(superseded?.aborted ? reasonOf(superseded) : new Error('the write was not sent'));
        },
      };
      const onAbort = () => !entry.sending && tell({ t: 'write-cancel', id });
      superseded?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, entry);
      tell({
        t: 'write',
        id,
        installationId,
        acknowledgement: options.acknowledgement ?? false,
        method: options.method ?? 'WRITE',
        url: options.url ?? '',
      });
    });
  }

  /** The app is gone: every write still waiting for its turn fails; one under way ends when it does. */
  close(): void {
    this.closed = true;
    for (const entry of [...this.pending.values()]) if (!entry.sending) entry.end();
  }

  go(id: number): void {
    this.pending.get(id)?.go();
  }

  end(id: number): void {
    this.pending.get(id)?.end();
  }
}

/** A message to the app, unless it is gone. */
function tell(m: ToApp): void {
  if (process.connected) process.send!(m);
}

function failureOf(err: unknown): WriteFailure {
  const e = err as { status?: unknown; message?: unknown; response?: { headers?: Record<string, unknown> } };
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(e?.response?.headers ?? {}))
    if (typeof v === 'string' || typeof v === 'number') headers[k] = String(v);
  return { status: typeof e?.status === 'number' ? e.status : undefined, message: String(e?.message ?? err), headers };
}

function rebuiltFailure(f: WriteFailure): Error {
  return Object.assign(new Error(f.message), { status: f.status, response: { headers: f.headers } });
}
