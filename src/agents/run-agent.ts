import type { Sandbox } from '../sandbox/types.js';
import { stderrTail } from './parse-helpers.js';
import { foldEvents, type AgentRunResult } from './run-result.js';
import type { AgentDriver, AgentEvent, AgentInput } from './types.js';

export interface RunAgentOptions {
  /** The app's environment; only the driver's `passEnv` variables are taken from it. */
  env: Readonly<Record<string, string | undefined>>;
  /** The job's deadline or cancellation: aborting kills the agent and rejects. */
  signal?: AbortSignal;
  /** Every event, as soon as its line arrives (for the live status comment). */
  onEvent?(event: AgentEvent): void;
}

export type AgentRunOutcome = AgentRunResult & { exitCode: number; stderrTail: string };

/**
 * Runs one agent CLI in the sandbox: writes its files, gives it only the env it asked for,
 * streams its stdout through the driver's parser and folds the events into the result.
 * An abort or a sandbox failure rejects; a failing agent resolves with `ok: false`.
 */
export async function runAgent(sandbox: Sandbox, driver: AgentDriver, input: AgentInput, options: RunAgentOptions): Promise<AgentRunOutcome> {
  const passed: Record<string, string> = {};
  for (const name of driver.passEnv) {
    const value = options.env[name];
    if (value) passed[name] = value;
  }
  for (const file of driver.files(input, passed)) await sandbox.writeFile(file.path, file.content);
  const env = { ...passed, ...driver.env(input, passed) };

  const events: AgentEvent[] = [];
  let callbackError: unknown;
  const emit = (evs: AgentEvent[]) => {
    for (const e of evs) {
      events.push(e);
      try {
        options.onEvent?.(e);
      } catch (err) {
        // Thrown inside a stream callback it would crash the process; surface it after the run.
        callbackError ??= err;
      }
    }
  };
  const lines = new LineSplitter((line) => emit(driver.parse(line, { cwd: input.cwd })));

  const run = await sandbox.run(driver.command(input), {
    cwd: input.cwd,
    env,
    timeoutMs: 0, // no limit of its own: the job's deadline arrives through the signal
    signal: options.signal,
    onStdout: (chunk) => lines.push(chunk),
  });
  // A provider that did not stream everything still returns the whole stdout.
  lines.push(run.stdout.slice(lines.received));
  lines.end();
  emit(driver.finish?.(run.stdout, run.exitCode, run.stderr) ?? []);
  if (callbackError !== undefined) throw callbackError;

  const tail = stderrTail(run.stderr);
  const result = foldEvents(events, run.exitCode);
  // Nothing in the output said why it failed (a crash, a bad flag): the CLI's stderr does.
  const explained = events.some((e) => e.kind === 'error' || (e.kind === 'result' && !e.ok));
  if (!result.ok && !explained && tail) result.error = tail;
  return { ...result, exitCode: run.exitCode, stderrTail: tail };
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
