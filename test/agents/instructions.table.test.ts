import { describe, expect, it } from 'vitest';
import { drivers } from '../../src/agents/index.js';
import { instructionsDelivery, type InstructionsDelivery } from '../../src/agents/instructions.js';
import type { AgentName } from '../../src/agents/types.js';
import { imagesNote, instructionsNote } from '../../src/pipeline/context-notes.js';

describe('instructionsDelivery', () => {
  // What each pinned CLI reads by itself was seen with the real CLIs (test/agents-cli, docs/agents.md).
  it.each<[AgentName, string, string[], InstructionsDelivery]>([
    ['claude', 'CLAUDE.md', ['CLAUDE.md'], 'native'],
    ['claude', 'AGENTS.md', ['AGENTS.md', 'CLAUDE.md'], 'system-prompt'],
    ['claude', '.github/copilot-instructions.md', [], 'system-prompt'],
    ['codex', 'AGENTS.md', ['AGENTS.md', 'CLAUDE.md'], 'native'],
    ['codex', 'CLAUDE.md', ['CLAUDE.md'], 'prompt'],
    ['opencode', 'AGENTS.md', ['AGENTS.md'], 'native'],
    // OpenCode reads CLAUDE.md only when there is no AGENTS.md.
    ['opencode', 'CLAUDE.md', ['CLAUDE.md'], 'native'],
    ['opencode', 'CLAUDE.md', ['AGENTS.md', 'CLAUDE.md'], 'prompt'],
    ['openclaw', 'AGENTS.md', ['AGENTS.md'], 'native'],
    ['openclaw', 'CLAUDE.md', ['CLAUDE.md'], 'prompt'],
    ['amp', 'AGENTS.md', ['AGENTS.md'], 'native'],
    ['amp', 'docs/agents.md', ['AGENTS.md'], 'prompt'],
  ])('%s with %s (present: %j) gets it %s', (agent, path, present, delivery) => {
    expect(instructionsDelivery(drivers[agent]!, path, present)).toBe(delivery);
  });
});

describe('instructionsNote', () => {
  const file = { path: 'AGENTS.md', content: 'x', truncated: false, present: ['AGENTS.md'] };
  it.each<[InstructionsDelivery, boolean, string]>([
    ['native', false, '📄 Instructions: `AGENTS.md` (codex reads it itself)'],
    ['native', true, '📄 Instructions: `AGENTS.md` (codex reads it itself)'],
    ['system-prompt', false, "📄 Instructions: `AGENTS.md` (added to codex's system prompt)"],
    ['prompt', false, '📄 Instructions: `AGENTS.md` (added to the prompt)'],
    ['prompt', true, '📄 Instructions: `AGENTS.md` (added to the prompt, its first 64 KiB)'],
  ])('%s, truncated %s: %s', (delivery, truncated, line) => {
    expect(instructionsNote('codex', { file: { ...file, truncated }, delivery })).toBe(line);
  });
});

describe('imagesNote', () => {
  it.each<[number, { url: string; reason: string }[], string | undefined]>([
    [0, [], undefined],
    [2, [], '🖼️ Images: 2 given to the agent'],
    [
      1,
      [{ url: 'https://github.com/user-attachments/assets/x', reason: 'HTTP 404' }],
      '🖼️ Images: 1 given to the agent; not downloaded: `https://github.com/user-attachments/assets/x` (HTTP 404)',
    ],
    [
      0,
      [{ url: 'https://a.test/`x`', reason: 'HTTP 500' }],
      '🖼️ Images: 0 given to the agent; not downloaded: `` https://a.test/`x` `` (HTTP 500)',
    ],
  ])('%s given, %j failed: %s', (given, failed, line) => {
    expect(imagesNote(given, failed)).toBe(line);
  });
});
