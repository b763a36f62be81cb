import type { RepoConfig } from '../config/repo-config.js';
import { parseCommand } from './parse-command.js';
import type { Trigger } from './types.js';

/**
 * A submitted review is a trigger when its body is a command (`/agent [agent] [text]`, the same
 * rules as a comment), or, with `followUps.onReview: changes_requested`, when it requests changes.
 */
export function parseReview(
  review: { body: string | null; state: string },
  config: Pick<RepoConfig, 'command' | 'agent' | 'agents' | 'compare' | 'followUps'>,
): Trigger | null {
  const command = parseCommand(review.body ?? '', config);
  if (command) return command;
  if (config.followUps.onReview === 'changes_requested' && review.state.toLowerCase() === 'changes_requested') {
    return { kind: 'run', agent: config.agent, instructions: '', byReviewState: true };
  }
  return null;
}
