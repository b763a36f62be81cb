import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quote } from '../../src/sandbox/shell.js';

export interface FakeAgentScript {
  /** Files the "agent" writes, relative to its working directory. */
  writes?: Record<string, string>;
  /** Lines printed on stdout (the CLI's JSON stream). */
  lines?: string[];
  exitCode?: number;
  /** Seconds to sleep before exiting (for timeouts and cancellation). */
  sleep?: number;
  /** Seconds between printed lines (a chatty agent streaming over time). */
  lineDelay?: number;
  /** A shell snippet run in the working directory after the writes (quoted by the test author). */
  extra?: string;
}

/**
 * A stand-in agent executable named `bin`: it saves its stdin (the prompt), argv, environment and cwd
 * in `<bin dir>/record/` for assertions (the sandbox itself is deleted after the run), writes files, prints the given stream, exits.
 * For flow tests of our own pipeline; the real CLIs are exercised in test/agents-cli/.
 */
export function fakeAgentBin(bin: string, script: FakeAgentScript): string {
  const dir = mkdtempSync(join(tmpdir(), 'issue-agent-fakebin-'));
  const writes = Object.entries(script.writes ?? {}).map(
    ([path, content]) =>
      `mkdir -p "$(dirname ${quote(path)})" && printf %s ${quote(Buffer.from(content).toString('base64'))} | base64 -d > ${quote(path)}`,
  );
  const body = [
    '#!/usr/bin/env bash',
    `rec=${quote(join(dir, 'record'))}`,
    'mkdir -p "$rec"',
    'date +%s%3N >> "$rec/starts"',
    'cat > "$rec/stdin"',
    'printf "%s\\n" "$@" > "$rec/argv"',
    'env > "$rec/env"',
    'pwd > "$rec/cwd"',
    ...writes,
    script.extra ?? '',
    ...(script.lines ?? []).map(
      (l) => `printf '%s\\n' ${quote(l)}${script.lineDelay ? `; sleep ${script.lineDelay}` : ''}`,
    ),
    script.sleep ? `sleep ${script.sleep}` : '',
    `exit ${script.exitCode ?? 0}`,
  ];
  writeFileSync(join(dir, bin), body.join('\n') + '\n');
  chmodSync(join(dir, bin), 0o755);
  return dir;
}
