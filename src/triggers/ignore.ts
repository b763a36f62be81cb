/** Actions that can carry a trigger (a review's is `submitted`); edits and deletions never do. */
const TRIGGER_ACTIONS = new Set(['created', 'labeled', 'submitted']);

/**
 * Why an event must not start anything, or null when it may. Bots never trigger runs:
 * that stops loops through this app's own comments and other automation.
 * The reason is for debug logs.
 */
export function ignoreReason(
  event: { action: string; sender: { type: string; login: string } },
  appSlug?: string,
): string | null {
  const login = event.sender.login.toLowerCase();
  if (appSlug !== undefined && login === `${appSlug.toLowerCase()}[bot]`) return 'sender is this app';
  if (event.sender.type === 'Bot') return `sender ${event.sender.login} is a bot`;
  if (!TRIGGER_ACTIONS.has(event.action)) return `action ${event.action} does not trigger runs`;
  return null;
}
