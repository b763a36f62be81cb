import { quote } from '../sandbox/shell.js';
import type { RunResult, Sandbox } from '../sandbox/types.js';
import { stderrTail } from './parse-helpers.js';
import { foldEvents, type AgentRunResult } from './run-result.js';
import type { AgentDriver, AgentEvent, AgentInput } from './types.js';

export interface RunAgentOptions {
  /** The app's environment; only the driver's `passEnv` variables are taken from it. */
  env: Readonly<Record<string, string | undefined>>;
  /** The job's deadline or cancellation: aborting kills the agent and rejects. */
  signal?: AbortSignal;
  /**
   * The job is being handed to another worker (shutdown, a lost lease): aborting stops waiting
   * and rejects with the signal's reason, but leaves the agent running in the sandbox so the
   * successor re-attaches to it (`reattachAgent`). Only with `keepOutputIn`.
   */
  handover?: AbortSignal;
  /** Every event, as soon as its line arrives (for the live status comment). */
  onEvent?: (event: AgentEvent) => void;
  /**
   * A sandbox directory where the CLI's stdout, stderr and exit code are also written, so a
   * restarted app can find the run again (`reattachAgent`) instead of starting it over.
   */
  keepOutputIn?: string;
}

/** The files a kept run writes (see `keepOutputIn`); `pid` names the run's shell and when it started. */
export function outputFiles(dir: string) {
  return { out: `${dir}/agent.out`, err: `${dir}/agent.err`, exit: `${dir}/agent.exit`, pid: `${dir}/agent.pid` };
}

/**
 * A re-attached agent that is no longer running and left no exit code: everything in the
 * sandbox was killed (a machine or container restart). `sessionId` is the session it had
 * started, when its output named one, so the run can resume it.
 */
export class AgentGoneError extends Error {
  override name = 'AgentGoneError';
  constructor(readonly sessionId: string | undefined) {
    super('the agent is no longer running and left no exit code');
  }
}

export type AgentRunOutcome = AgentRunResult & { exitCode: number; stderrTail: string };

/**
 * Runs one agent CLI in the sandbox: writes its files, gives it only the env it asked for,
 * streams its stdout through the driver's parser and folds the events into the result.
 * An abort or a sandbox failure rejects; a failing agent resolves with `ok: false`.
 */
export async function runAgent(
  sandbox: Sandbox,
  driver: AgentDriver,
  input: AgentInput,
  options: RunAgentOptions,
): Promise<AgentRunOutcome> {
  const passed: Record<string, string> = {};
  for (const name of driver.passEnv) {
    const value = options.env[name];
    if (value) passed[name] = value;
  }
  for (const file of driver.files(input, passed)) await sandbox.writeFile(file.path, file.content);
  const env = { ...passed, ...driver.env(input, passed) };

  const events = new EventSink(options.onEvent);
  const lines = new LineSplitter((line) => events.emit(driver.parse(line, { cwd: input.cwd })));

  const running = sandbox.run(
    options.keepOutputIn ? keepingOutput(driver.command(input), options.keepOutputIn) : driver.command(input),
    {
      cwd: input.cwd,
      env,
      timeoutMs: 0, // no limit of its own: the job's deadline arrives through the signal
      signal: options.signal,
      onStdout: (chunk) => lines.push(chunk),
    },
  );
  const run = options.keepOutputIn && options.handover ? await untilHandover(running, options.handover) : await running;
  // A provider that did not stream everything still returns the whole stdout.
  lines.push(run.stdout.slice(lines.received));
  lines.end();
  return conclude(driver, events, run);
}

/**
 * Finds a run started with `keepOutputIn` again after the app restarted (it kept running in the
 * sandbox): follows its output file, so what it printed and prints from now on streams as before,
 * until the CLI exits; the file read at the end is what counts.
 */
export async function reattachAgent(
  sandbox: Sandbox,
  driver: AgentDriver,
  input: Pick<AgentInput, 'cwd'>,
  options: { dir: string; signal?: AbortSignal; onEvent?: (event: AgentEvent) => void },
): Promise<AgentRunOutcome> {
  const f = outputFiles(options.dir);
  const events = new EventSink(options.onEvent);
  const lines = new LineSplitter((line) => events.emit(driver.parse(line, { cwd: input.cwd })));
  const following = new AbortController();
  const follow = sandbox
    .run(`tail -c +1 -f ${quote(f.out)}`, {
      timeoutMs: 0,
      signal: following.signal,
      onStdout: (chunk) => lines.push(chunk),
    })
    .catch(() => undefined); // ends by our abort; the file is read whole below anyway
  let waited: RunResult;
  try {
    waited = await sandbox.run(waitForExit(f), { timeoutMs: 0, signal: options.signal });
  } finally {
    following.abort();
    await follow;
  }
  options.signal?.throwIfAborted();
  const exit = /^exit (\d+)$/m.exec(waited.stdout);
  const text = async (path: string) =>
    new TextDecoder().decode(await sandbox.readFile(path).catch(() => new Uint8Array()));
  const [stdout, stderr] = await Promise.all([text(f.out), text(f.err)]);
  lines.push(stdout.slice(lines.received));
  lines.end();
  if (!exit) {
    if (/^gone$/m.test(waited.stdout)) throw new AgentGoneError(foldEvents(events.all, 1).sessionId);
    throw new Error(`lost track of the re-attached agent (the wait ended with code ${waited.exitCode})`);
  }
  return conclude(driver, events, { exitCode: Number(exit[1]), stdout, stderr });
}

/** The run's result, unless the job is handed over first: then the run goes on unobserved. */
function untilHandover<T>(running: Promise<T>, handover: AbortSignal): Promise<T> {
  running.catch(() => undefined); // nobody waits for it once handed over
  if (handover.aborted) return Promise.reject(handover.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onHandover = () => reject(handover.reason as Error);
    handover.addEventListener('abort', onHandover, { once: true });
    running.then(resolve, reject).finally(() => handover.removeEventListener('abort', onHandover));
  });
}

/** The CLI's command, its output also kept in files; `tee` outlives a reader that died with the app. */
function keepingOutput(cmd: string, dir: string): string {
  const f = outputFiles(dir);
  return [
    'set -o pipefail',
    `rm -f ${quote(f.exit)}`,
    // This shell lives as long as the agent: its pid and start time tell a re-attach whether it still runs.
    `echo "$$ $(${START_TIME('$$')})" > ${quote(f.pid)}`,
    `{ ${cmd} ; } 2> >(tee --output-error=warn-nopipe ${quote(f.err)} >&2) | tee --output-error=warn-nopipe ${quote(f.out)}`,
    'code=$?',
    `echo "$code" > ${quote(f.exit)}`,
    'exit "$code"',
  ].join('\n');
}

/** A shell expression for the start time of process `pid` (field 22 of /proc/<pid>/stat; empty when gone). */
const START_TIME = (pid: string) => `sed 's/.*) //' /proc/${pid}/stat 2>/dev/null | cut -d' ' -f20`;

/**
 * Waits for a kept run's exit code and prints `exit <code>`; prints `gone` as soon as the run's
 * shell is no longer the process it was (killed with everything else) without having written
 * one. A run from a version that wrote no pid file is waited for as before.
 */
function waitForExit(f: ReturnType<typeof outputFiles>): string {
  return [
    `while [ ! -s ${quote(f.exit)} ]; do`,
    `  if [ -s ${quote(f.pid)} ]; then`,
    `    read -r pid started < ${quote(f.pid)}`,
    `    if [ "$(${START_TIME('"$pid"')})" != "$started" ]; then`,
    `      [ -s ${quote(f.exit)} ] && break`,
    '      echo gone; exit 0',
    '    fi',
    '  fi',
    '  sleep 1',
    'done',
    `echo "exit $(cat ${quote(f.exit)})"`,
  ].join('\n');
}

function conclude(
  driver: AgentDriver,
  events: EventSink,
  run: { exitCode: number; stdout: string; stderr: string },
): AgentRunOutcome {
  events.emit(driver.finish?.(run.stdout, run.exitCode, run.stderr) ?? []);
  if (events.callbackError) throw events.callbackError.thrown;
  const tail = stderrTail(run.stderr);
  const result = foldEvents(events.all, run.exitCode);
  // Nothing in the output said why it failed (a crash, a bad flag): the CLI's stderr does.
  const explained = events.all.some((e) => e.kind === 'error' || (e.kind === 'result' && !e.ok));
  if (!result.ok && !explained && tail) result.error = tail;
  return { ...result, exitCode: run.exitCode, stderrTail: tail };
}

/** Collects events and hands each to the listener at once. */
class EventSink {
  readonly all: AgentEvent[] = [];
  /** What the onEvent callback threw first, boxed: a callback may throw any value. */
  callbackError: { thrown: unknown } | undefined;
  constructor(private readonly onEvent?: (event: AgentEvent) => void) {}

  emit(evs: AgentEvent[]): void {
    for (const e of evs) {
      this.all.push(e);
      try {
        this.onEvent?.(e);
      } catch (err) {
        // Thrown inside a stream callback it would crash the process; surface it after the run.
        this.callbackError ??= { thrown: err };
      }
    }
  }
}

/** Cuts a stream into complete lines; a chunk may end in the middle of one. */
class LineSplitter {
  private buffer = '';
  /** Characters pushed so far. */
  received = 0;
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    this.received += chunk.length;
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) !== -1) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      this.onLine(line);
    }
  }

  /** The last line, when the output did not end with a newline. */
  end(): void {
    if (this.buffer) this.onLine(this.buffer.replace(/\r$/, ''));
    this.buffer = '';
  }
}
