/** One verification command's outcome. */
export interface VerifyResult {
  command: string;
  /** The command's exit code; -1 when it was stopped for running too long. */
  exitCode: number;
  passed: boolean;
  /** The last lines of stdout and stderr as they came, ANSI colours removed. */
  outputTail: string;
  timedOut?: boolean;
  durationMs: number;
}

/** Whether every command passed (true for none). */
export function allPassed(results: readonly VerifyResult[]): boolean {
  return results.every((r) => r.passed);
}

/** How a failed command failed, for people and for the agent. */
export function verifyFailure(r: VerifyResult): string {
  return r.timedOut ? 'failed (timed out)' : `failed (exit ${r.exitCode})`;
}
