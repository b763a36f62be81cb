import type { CompareResult } from './compare.js';
import type { RepliedThread } from './thread-reply.js';

/** How a job ended: exactly one of these is shown on its status comment. */
export type Outcome =
  | {
      kind: 'pr';
      number: number;
      url: string;
      branch: string;
      files: string[];
      commitSha?: string;
      checksFailed?: boolean;
      /** The review threads of the PR it follows up on that the app replied in. */
      threads?: RepliedThread[];
      /** A compare group's: every agent's result, the PR being the winner's branch. */
      compare?: CompareResult;
    }
  /** A follow-up's commit on the app's own PR branch. */
  | {
      kind: 'pushed';
      number: number;
      url: string;
      branch: string;
      files: string[];
      commitSha: string;
      rebased: boolean;
      summary: string;
      checksFailed?: boolean;
      threads?: RepliedThread[];
    }
  | { kind: 'no-changes'; answer: string; threads?: RepliedThread[] }
  /** One agent of a compare group: its changes committed to a branch of its own, no PR (the group decides). */
  | {
      kind: 'branch';
      branch: string;
      commitSha: string;
      files: string[];
      additions: number;
      deletions: number;
      summary: string;
      /** The verify commands after the last fix attempt; undefined when the repository has none. */
      verify?: { total: number; failing: number };
    }
  /** A compare group that opened no PR: no agent qualified, or `compare.pick: manual` waits for `/agent pick`. */
  | { kind: 'compared'; compare: CompareResult }
  | { kind: 'failed'; reason: string }
  /** `/agent doctor --setup`: every setup command succeeded; `tail` is the end of their output. */
  | { kind: 'setup-ok'; commands: number; tail: string }
  | { kind: 'cancelled'; by: string }
  /** The app stopped the run itself (a cost limit reached); nothing was committed. */
  | { kind: 'stopped'; reason: string };

/** Phases a running job goes through, in order. */
export type Phase = 'queued' | 'starting' | 'cloning' | 'setup' | 'running' | 'verifying' | 'fixing' | 'committing';
