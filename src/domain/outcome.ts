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
  | { kind: 'failed'; reason: string }
  /** `/agent doctor --setup`: every setup command succeeded; `tail` is the end of their output. */
  | { kind: 'setup-ok'; commands: number; tail: string }
  | { kind: 'cancelled'; by: string }
  /** The app stopped the run itself (a cost limit reached); nothing was committed. */
  | { kind: 'stopped'; reason: string };

/** Phases a running job goes through, in order. */
export type Phase = 'queued' | 'starting' | 'cloning' | 'setup' | 'running' | 'verifying' | 'fixing' | 'committing';
