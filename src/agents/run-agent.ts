import { quote } from '../sandbox/shell.js';
import { OUTPUT_TAIL_BYTES, TailBuffer } from '../sandbox/tail.js';
import type { RunResult, Sandbox } from '../sandbox/types.js';
import { mcpEnv } from './mcp.js';
import { stderrTail } from './parse-helpers.js';
import { EventFold, type AgentRunResult } from './run-result.js';
import type { AgentDriver, AgentEvent, AgentInput, ParseContext } from './types.js';

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

/** A stdout line longer than this is not parsed (it is dropped and counted); no CLI event is that long. */
export const MAX_LINE_CHARS = 1024 * 1024;

/**
 * How much of the end of stdout a driver's `finish` gets. OpenClaw prints its result as one
 * JSON document at the end, which must fit in it; the rest of the output is only streamed.
 */
export const FINISH_STDOUT_BYTES = 16 * 1024 * 1024;

/** How much the CLI printed, for the log: the output itself is streamed, never kept whole. */
export interface AgentOutputStats {
  /** Characters on stdout. */
  stdoutChars: number;
  /** Lines over `MAX_LINE_CHARS`, dropped unparsed. */
  longLines: number;
}

export type AgentRunOutcome = AgentRunResult & { exitCode: number; stderrTail: string; output: AgentOutputStats };

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
  // The MCP servers' header values: named by the driver's files, given only to the agent process.
  const env = { ...passed, ...driver.env(input, passed), ...(driver.mcp ? mcpEnv(input.mcp) : {}) };

  const events = new EventSink(options.onEvent);
  const out = new AgentOutput((line) => events.emit(driver.parse(line, parseContext(input))));

  const running = sandbox.run(
    options.keepOutputIn ? keepingOutput(driver.command(input), options.keepOutputIn) : driver.command(input),
    {
      cwd: input.cwd,
      env,
      timeoutMs: 0, // no limit of its own: the job's deadline arrives through the signal
      signal: options.signal,
      onStdout: (chunk) => out.push(chunk),
      keepOutput: 'tail', // streamed through `out`; the provider keeps only the end
    },
  );
  const run = options.keepOutputIn && options.handover ? await untilHandover(running, options.handover) : await running;
  // A provider that did not stream everything (and kept it all) returns the rest here.
  if (run.stdoutChars === undefined) out.push(run.stdout.slice(out.chars));
  out.end();
  return conclude(driver, events, out, run, input.structured);
}

/**
 * Finds a run started with `keepOutputIn` again after the app restarted (it kept running in the
 * sandbox): follows its output file, so what it printed and prints from now on streams as before,
 * until the CLI exits; the file read at the end is what counts.
 */
export async function reattachAgent(
  sandbox: Sandbox,
  driver: AgentDriver,
  input: Pick<AgentInput, 'cwd' | 'structured' | 'mcp'>,
  options: { dir: string; signal?: AbortSignal; onEvent?: (event: AgentEvent) => void },
): Promise<AgentRunOutcome> {
  const f = outputFiles(options.dir);
  const events = new EventSink(options.onEvent);
  const out = new AgentOutput((line) => events.emit(driver.parse(line, parseContext(input))));
  // Bytes of the file streamed so far (the chunks are its UTF-8 text), so the rest can be read from there.
  let bytes = 0;
  const onStdout = (chunk: string) => {
    bytes += Buffer.byteLength(chunk, 'utf8');
    out.push(chunk);
  };
  const following = new AbortController();
  const follow = sandbox
    .run(`tail -c +1 -f ${quote(f.out)}`, { timeoutMs: 0, signal: following.signal, onStdout, keepOutput: 'tail' })
    .catch(() => undefined); // ends by our abort; what it had not streamed yet is read below
  let waited: RunResult;
  try {
    waited = await sandbox.run(waitForExit(f), { timeoutMs: 0, signal: options.signal });
  } finally {
    following.abort();
    await follow;
  }
  options.signal?.throwIfAborted();
  const exit = /^exit (\d+)$/m.exec(waited.stdout);
  // The CLI has exited (or is gone): the rest of its output file, streamed like the rest, and the end of its stderr.
  await sandbox.run(`tail -c +${bytes + 1} ${quote(f.out)}`, { onStdout, keepOutput: 'tail', signal: options.signal });
  const err = await sandbox.run(`tail -c ${OUTPUT_TAIL_BYTES} ${quote(f.err)} 2>/dev/null`, {
    signal: options.signal,
  });
  out.end();
  if (!exit) {
    if (/^gone$/m.test(waited.stdout)) throw new AgentGoneError(events.fold.result(1).sessionId);
    throw new Error(`lost track of the re-attached agent (the wait ended with code ${waited.exitCode})`);
  }
  return conclude(driver, events, out, { exitCode: Number(exit[1]), stderr: err.stdout }, input.structured);
}

function parseContext(input: Pick<AgentInput, 'cwd' | 'mcp'>): ParseContext {
  return { cwd: input.cwd, ...(input.mcp?.length && { mcpServers: input.mcp.map((s) => s.name) }) };
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
  out: AgentOutput,
  run: { exitCode: number; stderr: string },
  structured: boolean | undefined,
): AgentRunOutcome {
  const finishing = out.finishStdout();
  events.emit(driver.finish?.(finishing.text, run.exitCode, run.stderr, { truncated: finishing.truncated }) ?? []);
  if (events.callbackError) throw events.callbackError.thrown;
  const tail = stderrTail(run.stderr);
  const result = events.fold.result(run.exitCode, { structured });
  // Nothing in the output said why it failed (a crash, a bad flag): the CLI's stderr does.
  if (!result.ok && !events.fold.explained && tail) result.error = tail;
  return { ...result, exitCode: run.exitCode, stderrTail: tail, output: out.stats() };
}

/** Folds events as they come (none is kept) and hands each to the listener at once. */
class EventSink {
  readonly fold = new EventFold();
  /** What the onEvent callback threw first, boxed: a callback may throw any value. */
  callbackError: { thrown: unknown } | undefined;
  constructor(private readonly onEvent?: (event: AgentEvent) => void) {}

  emit(evs: AgentEvent[]): void {
    for (const e of evs) {
      this.fold.add(e);
      try {
        this.onEvent?.(e);
      } catch (err) {
        // Thrown inside a stream callback it would crash the process; surface it after the run.
        this.callbackError ??= { thrown: err };
      }
    }
  }
}

/** The CLI's stdout as it streams: cut into lines for the parser, its end kept for `finish`. */
class AgentOutput {
  private readonly lines: LineSplitter;
  private readonly end_ = new TailBuffer(FINISH_STDOUT_BYTES);
  constructor(onLine: (line: string) => void) {
    this.lines = new LineSplitter(MAX_LINE_CHARS, onLine);
  }

  push(chunk: string): void {
    this.lines.push(chunk);
    this.end_.push(chunk);
  }

  /** Characters pushed so far. */
  get chars(): number {
    return this.end_.total;
  }

  end(): void {
    this.lines.end();
  }

  /** The whole stdout, or its end from the first line that starts in it (a cut line would mislead a parser). */
  finishStdout(): { text: string; truncated: boolean } {
    const text = this.end_.text();
    if (!this.end_.truncated) return { text, truncated: false };
    const nl = text.indexOf('\n');
    return { text: nl < 0 ? '' : text.slice(nl + 1), truncated: true };
  }

  stats(): AgentOutputStats {
    return { stdoutChars: this.end_.total, longLines: this.lines.dropped };
  }
}

/**
 * Cuts a stream into complete lines; a chunk may end in the middle of one. Each character is
 * looked at once (a line that arrives in many chunks is joined once, at its end), and a line
 * over `maxChars` is not kept at all: it is dropped and counted, as its first part alone
 * would not parse (JSON) or would mislead.
 */
export class LineSplitter {
  /** The start of the current line, in pieces; empty while dropping an overlong line. */
  private pieces: string[] = [];
  private pending = 0;
  private overlong = false;
  /** Lines dropped for being longer than `maxChars`. */
  dropped = 0;

  constructor(
    private readonly maxChars: number,
    private readonly onLine: (line: string) => void,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      this.add(chunk.slice(start, nl));
      this.emit();
      start = nl + 1;
    }
    if (start < chunk.length) this.add(start === 0 ? chunk : chunk.slice(start));
  }

  /** The last line, when the output did not end with a newline. */
  end(): void {
    if (this.pending > 0 || this.overlong) this.emit();
  }

  private add(piece: string): void {
    if (this.overlong || piece.length === 0) return;
    this.pending += piece.length;
    // A `\r` that ends the line does not count towards its length.
    if (this.pending > this.maxChars + 1) {
      this.overlong = true;
      this.pieces = [];
      this.pending = 0;
    } else this.pieces.push(piece);
  }

  private emit(): void {
    if (this.overlong) {
      this.dropped++;
      this.overlong = false;
      return;
    }
    const line = (this.pieces.length === 1 ? this.pieces[0]! : this.pieces.join('')).replace(/\r$/, '');
    this.pieces = [];
    this.pending = 0;
    if (line.length > this.maxChars) this.dropped++;
    else this.onLine(line);
  }
}
