import type { AgentName } from '../agents/types.js';

/** What a label or comment asks for. `unknown-agent` gets a reply listing the allowed agents. */
export type Trigger =
  /**
   * `named`: the trigger chose the agent (a follow-up otherwise keeps the previous run's agent).
   * `byReviewState`: a review requesting changes started it (`followUps.onReview`), not a command.
   */
  | { kind: 'run'; agent: AgentName; model?: string; instructions: string; named?: boolean; byReviewState?: boolean }
  | { kind: 'help' }
  /** `/agent doctor [--setup]`: a checklist of what runs here need; `setup` also runs the setup commands. */
  | { kind: 'doctor'; setup: boolean }
  | { kind: 'stop' }
  | { kind: 'unknown-agent'; name: string };
