import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { foldEvents, type AgentRunResult } from '../../src/agents/run-result.js';
import type { AgentDriver, AgentEvent } from '../../src/agents/types.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/agents');

/** A recorded output file of test/fixtures/agents/<agent>/; a missing recording fails the test. */
export function fixture(agent: string, name: string): string {
  return readFileSync(join(fixtures, agent, name), 'utf8');
}

/**
 * What the pipeline makes of a finished CLI's output: every line parsed (with the repository
 * `cwd` the CLI ran in, when given), then finish, folded.
 */
export function foldOutput(
  driver: AgentDriver,
  stdout: string,
  exitCode: number,
  stderr = '',
  cwd?: string,
): { events: AgentEvent[]; result: AgentRunResult } {
  const events = stdout.split('\n').flatMap((line) => driver.parse(line, cwd === undefined ? undefined : { cwd }));
  events.push(...(driver.finish?.(stdout, exitCode, stderr) ?? []));
  return { events, result: foldEvents(events, exitCode) };
}

/** The repository directory a fixture was recorded in (the recorder's temp sandbox). */
export function recordedCwd(stdout: string): string {
  const m = /\/tmp\/issue-agent-sandbox-[A-Za-z0-9]+\/repo/.exec(stdout);
  if (!m) throw new Error('no recorded repository path in this output');
  return m[0];
}

export function toolDescriptions(events: AgentEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'tool' ? [e.description] : []));
}
