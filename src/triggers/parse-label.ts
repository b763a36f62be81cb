import type { RepoConfig } from '../config/repo-config.js';
import { resolveAgent } from './agent-choice.js';
import type { Trigger } from './types.js';

/**
 * `agent` runs the default agent; `agent:<name>` picks one; `agent:compare` compares the
 * agents of `compare.agents` (resolved by the handler, which knows which agents can run). GitHub treats label names
 * case-insensitively, so do we. Any other label is not ours (null).
 */
export function parseLabel(labelName: string, config: Pick<RepoConfig, 'label' | 'agent' | 'agents'>): Trigger | null {
  const label = labelName.trim().toLowerCase();
  const base = config.label.toLowerCase();
  if (label === base) return { kind: 'run', agent: config.agent, instructions: '' };
  if (!label.startsWith(`${base}:`)) return null;
  const name = labelName
    .trim()
    .slice(base.length + 1)
    .trim();
  if (name === '') return null;
  if (name.toLowerCase() === 'compare') return { kind: 'compare', models: {}, instructions: '' };
  const choice = resolveAgent(name, config.agents);
  return choice.ok ? { kind: 'run', agent: choice.agent, instructions: '' } : { kind: 'unknown-agent', name };
}
