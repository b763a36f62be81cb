import type { InstructionsDelivery } from '../agents/instructions.js';
import { inlineCode } from '../config/markdown.js';
import { MAX_INSTRUCTIONS_BYTES, type InstructionsFile } from '../workspace/instructions-file.js';

/** The repository's instructions file and how the run's agent gets it. */
export interface RepoInstructions {
  file: InstructionsFile;
  delivery: InstructionsDelivery;
}

/** The status comment's line saying which instructions file the agent was given, and how. */
export function instructionsNote(agent: string, { file, delivery }: RepoInstructions): string {
  const how = {
    native: `${agent} reads it itself`,
    'system-prompt': `added to ${agent}'s system prompt`,
    prompt: 'added to the prompt',
  }[delivery];
  const cut = file.truncated && delivery !== 'native' ? `, its first ${MAX_INSTRUCTIONS_BYTES / 1024} KiB` : '';
  return `📄 Instructions: ${inlineCode(file.path)} (${how}${cut})`;
}

/** The status comment's line on the issue's images: how many the agent got, and each one it did not, with why. */
export function imagesNote(given: number, failed: readonly { url: string; reason: string }[]): string | undefined {
  if (given === 0 && failed.length === 0) return undefined;
  const parts = [`🖼️ Images: ${given} given to the agent`];
  if (failed.length > 0)
    parts.push(`not downloaded: ${failed.map((f) => `${inlineCode(f.url, 120)} (${f.reason})`).join(', ')}`);
  return parts.join('; ');
}
