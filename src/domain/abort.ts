import type { Outcome } from './outcome.js';

/** Why a running job's signal was aborted. */
export type AbortReason =
  | { kind: 'cancelled'; by: string }
  | { kind: 'timeout' }
  /** The broker ended the run: a cost limit reached (`stopped`), or the model API refused the app's key (`failed`). */
  | { kind: 'ended'; outcome: Extract<Outcome, { kind: 'stopped' | 'failed' }> }
  /** The process is stopping: the job goes back to the queue, it does not end. */
  | { kind: 'shutdown' }
  /** Another replica took the job over (our lease expired): stop without writing anything. */
  | { kind: 'lease-lost' };

/** Shutdown and a lost lease hand the job to another worker; the rest end it. */
export function isHandover(reason: unknown): boolean {
  const kind = (reason as AbortReason | undefined)?.kind;
  return kind === 'shutdown' || kind === 'lease-lost';
}
