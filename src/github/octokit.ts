import type { ProbotOctokit } from 'probot';

/** The installation-authenticated client every GitHub call goes through. */
export type GitHub = InstanceType<typeof ProbotOctokit>;

/** The HTTP status of an Octokit RequestError, if that is what `err` is. */
export function httpStatus(err: unknown): number | undefined {
  if (err && typeof err === 'object' && 'status' in err && typeof err.status === 'number') return err.status;
  return undefined;
}

/**
 * What a request tells the installation's write queue (src/github/write-queue.ts), through
 * Octokit's `request` option. Without the queue (tests, throttling off) both are ignored.
 */
export interface WriteRequestOptions {
  /** An acknowledgement of a trigger (👀, the first status comment) goes ahead of background writes. */
  writePriority?: 'acknowledgement';
  /** Aborted when a newer write makes this one pointless: if it is still waiting, it is never sent. */
  superseded?: AbortSignal;
}

/** The `request` option of an acknowledgement. */
export const ACKNOWLEDGEMENT: WriteRequestOptions = { writePriority: 'acknowledgement' };
