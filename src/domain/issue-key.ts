import type { Job } from './job.js';

/** The key that allows one run at a time per issue or pull request. */
export function issueKey(job: {
  repo: Pick<Job['repo'], 'owner' | 'name'>;
  issue: Pick<Job['issue'], 'number'>;
}): string {
  return `${job.repo.owner}/${job.repo.name}#${job.issue.number}`.toLowerCase();
}
