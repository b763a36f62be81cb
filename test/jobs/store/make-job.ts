// Kept apart from fixtures.ts so the burst replicas (plain child processes) need not import vitest.
import { parseRepoConfig } from '../../../src/config/repo-config.js';
import type { Job } from '../../../src/domain/job.js';

export interface JobSpec {
  id: string;
  issue?: number;
  installationId?: number;
  owner?: string;
  repo?: string;
  /** GitHub's repository id (jobs of older versions have none). */
  repoId?: number;
  /** A follow-up on PR `pr` that continues the job `previous`. */
  followUp?: { pr: number; previous?: string };
  agent?: Job['agent'];
  /** A compare group of these agents. */
  compare?: Job['agent'][];
  createdAt?: number;
  timeoutMinutes?: number;
}

/** A Job as the webhook handler builds it. */
export function makeJob(spec: JobSpec): Job {
  const parsed = parseRepoConfig(spec.timeoutMinutes === undefined ? {} : { timeoutMinutes: spec.timeoutMinutes });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return {
    id: spec.id,
    deliveryId: `delivery-${spec.id}`,
    installationId: spec.installationId ?? 1,
    repo: {
      ...(spec.repoId !== undefined && { id: spec.repoId }),
      owner: spec.owner ?? 'octo',
      name: spec.repo ?? 'hello',
      defaultBranch: 'main',
      cloneUrl: 'https://github.com/octo/hello.git',
    },
    issue: {
      number: spec.issue ?? 1,
      title: 'Fix it',
      body: 'Please; "quotes" and \'apostrophes\' survive',
      isPullRequest: false,
    },
    trigger: { kind: 'comment', sender: { login: 'alice', id: 7 }, instructions: 'do it', commentId: 99 },
    agent: spec.agent ?? 'claude',
    config: parsed.config,
    ...(spec.followUp && {
      followUp: {
        prNumber: spec.followUp.pr,
        prTitle: 'Fix it',
        headRef: 'agent/1-fix-it',
        headSha: 'abc',
        own: spec.followUp.previous !== undefined,
        ...(spec.followUp.previous && { previous: { jobId: spec.followUp.previous, agent: 'claude' as const } }),
      },
    }),
    ...(spec.compare && { compare: { agents: spec.compare, models: {} } }),
    statusCommentId: 5_000_000_001,
    createdAt: spec.createdAt ?? 0,
  };
}
