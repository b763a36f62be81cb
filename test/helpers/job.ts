// The one place the table tests of the text builders get a Job from: when the Job type moves,
// only the import below changes.
import { defaultRepoConfig, type RepoConfig } from '../../src/config/repo-config.js';
import type { FollowUp, Job } from '../../src/domain/job.js';

export interface JobParts {
  repo?: Partial<Job['repo']>;
  issue?: Partial<Job['issue']>;
  trigger?: Partial<Job['trigger']>;
  config?: Partial<RepoConfig>;
  followUp?: FollowUp;
  agent?: Job['agent'];
  model?: string;
}

/**
 * A job on issue acme/widgets#5 "Fix the pager", labelled by @alice, run by claude with the
 * default repository configuration; `parts` replace the fields they name.
 */
export function aJob(parts: JobParts = {}): Job {
  return {
    id: 'job-1',
    deliveryId: 'delivery-1',
    installationId: 1,
    repo: {
      owner: 'acme',
      name: 'widgets',
      defaultBranch: 'main',
      cloneUrl: 'https://github.com/acme/widgets.git',
      ...parts.repo,
    },
    issue: { number: 5, title: 'Fix the pager', body: 'The pager skips page 2.', isPullRequest: false, ...parts.issue },
    trigger: { kind: 'label', sender: { login: 'alice', id: 7 }, instructions: '', ...parts.trigger },
    agent: parts.agent ?? 'claude',
    ...(parts.model === undefined ? {} : { model: parts.model }),
    config: { ...defaultRepoConfig(), ...parts.config },
    ...(parts.followUp === undefined ? {} : { followUp: parts.followUp }),
    createdAt: 0,
  };
}

/** A follow-up on the app's own PR #12 "Fix the pager"; `parts` replace the fields they name. */
export function aFollowUp(parts: Partial<FollowUp> = {}): FollowUp {
  return {
    prNumber: 12,
    prTitle: 'Fix the pager',
    headRef: 'agent/5-fix-the-pager',
    headSha: 'a'.repeat(40),
    own: true,
    ...parts,
  };
}
