import type { AbortReason } from '../domain/abort.js';
import type { Job } from '../domain/job.js';
import type { Outcome } from '../domain/outcome.js';
import { httpStatus } from '../github/octokit.js';
import { CommandTimeoutError, SandboxError } from '../sandbox/types.js';
import { CloneError } from '../workspace/clone.js';
import { InstructionsFileError } from '../workspace/instructions-file.js';

/** A setup command failed; its message is the status comment's reason. */
export class SetupError extends Error {
  override name = 'SetupError';
}

/**
 * Turns whatever stopped a run into the outcome a maintainer reads. The abort reason wins over
 * the error it caused (a killed agent reports a crash, but the truth is "cancelled").
 */
export function describeFailure(err: unknown, signal: AbortSignal, job: Job): Outcome {
  if (signal.aborted) {
    const reason = signal.reason as AbortReason | undefined;
    if (reason?.kind === 'cancelled') return { kind: 'cancelled', by: reason.by };
    if (reason?.kind === 'ended') return reason.outcome;
    if (reason?.kind === 'timeout') {
      const m = job.config.timeoutMinutes;
      return {
        kind: 'failed',
        reason: `timed out after ${m} minute${m === 1 ? '' : 's'} (\`timeoutMinutes\`); partial changes were not committed`,
      };
    }
    // shutdown and lease-lost: the worker does not report this outcome, the job runs again.
    return { kind: 'failed', reason: 'the run was interrupted' };
  }
  if (err instanceof SandboxError || err instanceof SetupError) return { kind: 'failed', reason: err.message };
  if (err instanceof CommandTimeoutError) return { kind: 'failed', reason: err.message };
  if (err instanceof InstructionsFileError)
    return { kind: 'failed', reason: `the configuration is invalid, so the agent was not started: ${err.message}` };
  if (err instanceof CloneError)
    return { kind: 'failed', reason: `the repository could not be cloned: ${err.message}` };
  const status = httpStatus(err);
  const message = err instanceof Error ? err.message : String(err);
  if (status !== undefined) return { kind: 'failed', reason: `GitHub answered ${status}: ${message}` };
  return { kind: 'failed', reason: message };
}
