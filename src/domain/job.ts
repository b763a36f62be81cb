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
    /** `ci`: the app itself, after the repository's CI failed on its commit (`ciFix`); `review`: a submitted review. */
    kind: 'label' | 'comment' | 'review' | 'ci';
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
  /** Set on a CI-fix attempt: the failure it is given, and what the ladder needs to go on. */
  ciFix?: CiFix;
  /** `/agent doctor --setup`: only a sandbox, the clone and the `setup` commands; no agent runs. */
  doctorSetup?: true;
  /**
   * Set on a compare group (`/agent compare a,b`): one job, one status comment, one unit for the
   * issue's one-run-at-a-time rule; each agent runs in its own sandbox. `agent` is the first.
   */
  compare?: CompareSpec;
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

/** One rung of the CI ladder: each attempt is its own job, and carries the ladder's state to the next. */
export interface CiFix {
  /** 1 for the first attempt since a person last triggered a run on the PR. */
  attempt: number;
  /** `ciFix.attempts` when this attempt was started. */
  of: number;
  /** The app's commit whose CI failed. */
  headSha: string;
  /** Failing check names and the first error line: the same one after a fix means the fix did not help. */
  signature: string;
  /** Each failing check with the tail of its log (bounded, redacted): prompt text, never a shell word. */
  failures: CiFailure[];
}

export interface CiFailure {
  name: string;
  url?: string;
  log: string;
}

export interface CompareSpec {
  /** In the order named: the last tie-break of the winner rule. */
  agents: AgentName[];
  /** `--model <agent>=<model>`, over the repository's `model.<agent>`. */
  models: Partial<Record<AgentName, string>>;
}

/** Who the status comment names: the agent, or a compare group's agents. */
export function shownAgent(job: Pick<Job, 'agent' | 'compare'>): string {
  return job.compare ? job.compare.agents.join(' vs ') : job.agent;
}
