import type { ProbotOctokit } from 'probot';

/** The installation-authenticated client every GitHub call goes through. */
export type GitHub = InstanceType<typeof ProbotOctokit>;

/** The HTTP status of an Octokit RequestError, if that is what `err` is. */
export function httpStatus(err: unknown): number | undefined {
  if (err && typeof err === 'object' && 'status' in err && typeof err.status === 'number') return err.status;
  return undefined;
}
