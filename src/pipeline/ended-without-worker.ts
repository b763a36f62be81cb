import type { Logger } from 'pino';
import type { GitHub } from '../github/octokit.js';
import type { JobStore, StoredJob } from '../jobs/store/types.js';
import { statusCommentFor } from './worker.js';

/**
 * A job the store ended on its own (it timed out while queued, or its workers kept dying):
 * its status comment must still show the final state.
 */
export async function endedWithoutWorker(
  job: StoredJob,
  deps: { octokitFor(installationId: number): Promise<GitHub>; store: JobStore; log: Logger },
): Promise<void> {
  if (!job.outcome) return;
  try {
    const gh = await deps.octokitFor(job.installationId);
    await statusCommentFor(gh, deps, job).finish(job.outcome);
  } catch (err) {
    deps.log.warn({ err, job: job.id }, 'could not report a job that ended without a worker');
  }
}
