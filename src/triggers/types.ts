import type { AgentName } from '../agents/types.js';

/** What a label or comment asks for. `unknown-agent` gets a reply listing the allowed agents. */
export type Trigger =
  | { kind: 'run'; agent: AgentName; model?: string; instructions: string }
  | { kind: 'help' }
  | { kind: 'stop' }
  | { kind: 'unknown-agent'; name: string };
