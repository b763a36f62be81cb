import type { AgentName } from '../agents/types.js';
import type { RepoConfig } from '../config/repo-config.js';

/** Everything a worker needs to run one accepted trigger, captured when it was accepted. */
export interface Job {
  id: string;
  /** `x-github-delivery` of the webhook that created the job. */
  deliveryId: string;
  installationId: number;
  repo: {
    owner: string;
    name: string;
    defaultBranch: string;
    /** From the payload, so GitHub Enterprise Server hosts are right without building URLs. */
    cloneUrl: string;
  };
  issue: { number: number; title: string; body: string; isPullRequest: boolean };
  trigger: {
    kind: 'label' | 'comment';
    sender: { login: string; id: number };
    /** Text after the command word; empty for labels. */
    instructions: string;
    commentId?: number;
  };
  agent: AgentName;
  model?: string;
  config: RepoConfig;
  /** Known once the handler posted the status comment (the store records it too). */
  statusCommentId?: number;
  createdAt: number;
}

/** How a job ended: exactly one of these is shown on its status comment. */
export type Outcome =
  | { kind: 'pr'; number: number; url: string; branch: string; files: string[]; commitSha?: string; checksFailed?: boolean }
  | { kind: 'no-changes'; answer: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'cancelled'; by: string };

/** Phases a running job goes through, in order. */
export type Phase = 'queued' | 'starting' | 'cloning' | 'setup' | 'running' | 'verifying' | 'fixing' | 'committing';
