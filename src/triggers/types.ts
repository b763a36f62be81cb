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
  | { kind: 'unknown-agent'; name: string }
  /**
   * `/agent compare a,b`: each agent runs on the issue in its own sandbox and the best result
   * becomes the PR. `agents` undefined: the `<label>:compare` label, whose agents the handler
   * resolves (`compare.agents`, else every usable one).
   */
  | { kind: 'compare'; agents?: AgentName[]; models: Partial<Record<AgentName, string>>; instructions: string }
  /** `/agent pick <agent>`: that agent's result of the compare becomes the PR. */
  | { kind: 'pick'; agent: AgentName }
  /** A command the app understood but cannot run as given: one reply with `message`, no run. */
  | { kind: 'invalid'; message: string };
