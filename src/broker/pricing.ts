import type { Price } from '../config/repo-config.js';
import type { MeteredUsage } from './types.js';

interface TableEntry extends Price {
  provider: MeteredUsage['provider'];
  /**
   * Left out when choosing the dearest model for unknown names: the "pro" tiers cost 10-100x
   * the rest and no coding agent uses them by default, so they would price every unknown
   * (e.g. a gateway's own) model absurdly. They are still priced correctly by name.
   */
  premium?: true;
}

const anthropic = (input: number, output: number): Omit<TableEntry, 'provider'> & { provider: 'anthropic' } => ({
  provider: 'anthropic',
  input,
  output,
  cacheRead: input / 10,
  cacheWrite: input * 1.25,
  cacheWrite1h: input * 2,
});

const openai = (input: number, output: number, cacheRead = input, premium = false): TableEntry => ({
  provider: 'openai',
  input,
  output,
  cacheRead,
  ...(premium ? { premium: true as const } : {}),
});

/**
 * USD per million tokens, standard (not batch, not long-context) rates, compiled 2026-12-03
 * from the providers' published pricing (platform.claude.com/docs/en/about-claude/pricing,
 * developers.openai.com/api/docs/pricing). Anthropic cache reads are 0.1x input, 5-minute
 * writes 1.25x, 1-hour writes 2x; OpenAI has no write price and lists cached input per model.
 * Names match by longest prefix (`claude-sonnet-4-5-20250929` is `claude-sonnet-4-5`).
 */
export const PRICES: Readonly<Record<string, TableEntry>> = {
  'claude-opus-4': anthropic(15, 75),
  'claude-opus-4-0': anthropic(15, 75),
  'claude-opus-4-1': anthropic(15, 75),
  'claude-opus-4-5': anthropic(5, 25),
  'claude-opus-4-6': anthropic(5, 25),
  'claude-opus-4-7': anthropic(5, 25),
  'claude-opus-4-8': anthropic(5, 25),
  'claude-opus-5': anthropic(5, 25),
  'claude-sonnet-4': anthropic(3, 15),
  'claude-sonnet-4-5': anthropic(3, 15),
  'claude-sonnet-4-6': anthropic(3, 15),
  'claude-3-7-sonnet': anthropic(3, 15),
  'claude-3-5-sonnet': anthropic(3, 15),
  'claude-haiku-4-5': anthropic(1, 5),
  'claude-3-5-haiku': anthropic(0.8, 4),
  'claude-3-haiku': anthropic(0.25, 1.25),
  'claude-3-opus': anthropic(15, 75),

  'gpt-5': openai(1.25, 10, 0.125),
  'gpt-5-codex': openai(1.25, 10, 0.125),
  'gpt-5-mini': openai(0.25, 2, 0.025),
  'gpt-5-nano': openai(0.05, 0.4, 0.005),
  'gpt-5-pro': openai(15, 120, 15, true),
  'gpt-5.1': openai(1.25, 10, 0.125),
  'gpt-5.1-codex': openai(1.25, 10, 0.125),
  'gpt-5.1-codex-max': openai(1.25, 10, 0.125),
  'gpt-5.1-codex-mini': openai(0.25, 2, 0.025),
  'gpt-5.2': openai(1.75, 14, 0.175),
  'gpt-5.2-codex': openai(1.75, 14, 0.175),
  'gpt-5.2-pro': openai(21, 168, 21, true),
  'gpt-5.3-codex': openai(1.75, 14, 0.175),
  'gpt-5.4': openai(2.5, 15, 0.25),
  'gpt-5.4-mini': openai(0.75, 4.5, 0.075),
  'gpt-5.4-nano': openai(0.2, 1.25, 0.02),
  'gpt-5.4-pro': openai(30, 180, 30, true),
  'gpt-5.5': openai(5, 30, 0.5),
  'gpt-5.5-pro': openai(30, 180, 30, true),
  'gpt-4.1': openai(2, 8, 0.5),
  'gpt-4.1-mini': openai(0.4, 1.6, 0.1),
  'gpt-4.1-nano': openai(0.1, 0.4, 0.025),
  'gpt-4o': openai(2.5, 10, 1.25),
  'gpt-4o-mini': openai(0.15, 0.6, 0.075),
  o1: openai(15, 60, 7.5),
  'o1-pro': openai(150, 600, 150, true),
  o3: openai(2, 8, 0.5),
  'o3-mini': openai(1.1, 4.4, 0.55),
  'o3-pro': openai(20, 80, 20, true),
  'o4-mini': openai(1.1, 4.4, 0.275),
};

export interface Cost {
  costUsd: number;
  /** Set when the model was not known: the model whose price was used instead. */
  pricedAs?: string;
}

/**
 * The cost of one response. An override (exact name or prefix) wins over the table; a known
 * model is priced as itself whichever API it came through (a Claude model behind an
 * OpenAI-compatible gateway costs what Claude costs); a model neither knows is priced like the
 * dearest (non-premium) model of the provider whose API answered, never as free, and
 * `pricedAs` names that model so the run's cost line can say so.
 */
export function costOf(usage: MeteredUsage, overrides: Record<string, Price> = {}): Cost {
  const name = canonical(usage.model);
  const override = lookup(overrides, name) ?? lookup(overrides, usage.model);
  if (override) return { costUsd: priced(usage, override) };
  const known = lookup(PRICES, name);
  if (known) return { costUsd: priced(usage, known) };
  const [fallbackName, fallback] = dearest(usage.provider);
  return { costUsd: priced(usage, fallback), pricedAs: fallbackName };
}

/** Whether `model` has a price of its own (the repository's `pricing` or the table), rather than a fallback's. */
export function isPriced(model: string, overrides: Record<string, Price> = {}): boolean {
  const name = canonical(model);
  return (lookup(overrides, name) ?? lookup(overrides, model) ?? lookup(PRICES, name)) !== undefined;
}

function priced(u: MeteredUsage, p: Price): number {
  const write1h = Math.min(u.cacheWrite1hTokens ?? 0, u.cacheWriteTokens);
  const perMillion =
    u.inputTokens * p.input +
    u.outputTokens * p.output +
    u.cacheReadTokens * (p.cacheRead ?? p.input) +
    (u.cacheWriteTokens - write1h) * (p.cacheWrite ?? p.input) +
    write1h * (p.cacheWrite1h ?? p.input * 2);
  return perMillion / 1_000_000;
}

/**
 * The model name as the price table spells it: gateways prefix a provider (`openai/gpt-5`,
 * `anthropic/claude-...`), Bedrock and Vertex add region and version parts
 * (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`, `claude-sonnet-4-5@20250929`).
 */
export function canonical(model: string): string {
  let name = model.trim().toLowerCase();
  name = name.slice(name.lastIndexOf('/') + 1);
  const bedrock = name.indexOf('anthropic.');
  if (bedrock >= 0) name = name.slice(bedrock + 'anthropic.'.length);
  return name;
}

/** The entry whose name is the longest prefix of `model` ending at a name boundary (`-`, `.`, `@`, `:` or the end). */
function lookup<T>(table: Readonly<Record<string, T>>, model: string): T | undefined {
  const exact = table[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (!model.startsWith(key) || !/^[-.@:]/.test(model.slice(key.length))) continue;
    if (!best || key.length > best.length) best = key;
  }
  return best === undefined ? undefined : table[best];
}

const dearestCache = new Map<string, [string, TableEntry]>();

/** The provider's dearest non-premium model, by output price and then input price. */
function dearest(provider: MeteredUsage['provider']): [string, TableEntry] {
  const cached = dearestCache.get(provider);
  if (cached) return cached;
  let best: [string, TableEntry] | undefined;
  for (const [name, entry] of Object.entries(PRICES)) {
    if (entry.provider !== provider || entry.premium) continue;
    if (!best || entry.output > best[1].output || (entry.output === best[1].output && entry.input > best[1].input))
      best = [name, entry];
  }
  dearestCache.set(provider, best!);
  return best!;
}
