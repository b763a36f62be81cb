import type { AgentDriver } from './types.js';

/**
 * How an agent gets the repository's instructions file `path`: `native` when its CLI reads that
 * very file itself (the first of its `instructionFiles` among the `present` ones), else appended
 * to its system prompt where the CLI takes a file for that, else added to the prompt.
 */
export type InstructionsDelivery = 'native' | 'system-prompt' | 'prompt';

export function instructionsDelivery(
  driver: Pick<AgentDriver, 'instructionFiles' | 'appendsSystemPromptFile'>,
  path: string,
  present: readonly string[],
): InstructionsDelivery {
  const readsItself = driver.instructionFiles.find((name) => present.includes(name));
  if (readsItself === path) return 'native';
  return driver.appendsSystemPromptFile ? 'system-prompt' : 'prompt';
}
