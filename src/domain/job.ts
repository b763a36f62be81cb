import type { AgentName } from '../agents/types.js';
import type { RepoConfig } from '../config/repo-config.js';

/** Everything a worker needs to run one accepted trigger, captured when it was accepted. */
export interface Job {
  id: string;
  /** `x-github-delivery` of the webhook that created the job. */
  deliveryId: string;
  installationId: number;
  repo: {
    /** GitHub's repository id: a PR stays the app's across a rename (absent in jobs of older versions). */
    id?: number;
    owner: string;
    name: string;
    defaultBranch: string;
    /** From the payload, so GitHub Enterprise Server hosts are right without building URLs. */
    cloneUrl: string;
  };
  issue: { number: number; title: string; body: string; isPullRequest: boolean };
  trigger: {
    kind: 'label' | 'comment' | 'review';
    sender: { login: string; id: number };
    /** Text after the command word; empty for labels. */
    instructions: string;
    commentId?: number;
  };
  agent: AgentName;
  model?: string;
  config: RepoConfig;
  /** Set when the trigger is a `/agent` comment on a pull request: the work continues there. */
  followUp?: FollowUp;
  /** Known once the handler posted the status comment (the store records it too). */
  statusCommentId?: number;
  createdAt: number;
}

export interface FollowUp {
  prNumber: number;
  prTitle: string;
  /** The PR's branch: cloned, and (for the app's own PR) where the new commit goes. */
  headRef: string;
  headSha: string;
  /** true: the app opened this PR, the commit goes onto its branch; false: a new PR against it. */
  own: boolean;
  /** The run that last worked on this PR, when there was one. */
  previous?: {
    jobId: string;
    agent: AgentName;
    sessionId?: string;
    sandboxId?: string;
    /** When it started, so: when its prompt was written. Review comments since then are news to the agent. */
    startedAt?: number;
  };
  /** The review comment that triggered, if it was one. */
  reviewComment?: { path?: string; line?: number };
  /** The submitted review that triggered, if it was one: its threads are what the run addresses. */
  reviewId?: number;
}
