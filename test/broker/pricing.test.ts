import { describe, expect, it } from 'vitest';
import { canonical, costOf, PRICES } from '../../src/broker/pricing.js';
import { priceSchema } from '../../src/config/repo-config.js';
import type { MeteredUsage } from '../../src/broker/types.js';

const million = (
  model: string,
  provider: MeteredUsage['provider'],
  more: Partial<MeteredUsage> = {},
): MeteredUsage => ({
  provider,
  model,
  inputTokens: 1_000_000,
  outputTokens: 1_000_000,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  ...more,
});

describe('costOf', () => {
  it('prices a known model: input, output, cache reads and both kinds of cache writes', () => {
    expect(costOf(million('claude-sonnet-4-5', 'anthropic'))).toEqual({ costUsd: 18 });
    const cached = costOf({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 1_000_000,
      cacheWriteTokens: 3_000_000,
      cacheWrite1hTokens: 1_000_000,
    });
    // 0.30 read + 2 x 3.75 five-minute writes + 6 one-hour write
    expect(cached.costUsd).toBeCloseTo(0.3 + 7.5 + 6, 10);
    expect(costOf(million('gpt-5', 'openai', { cacheReadTokens: 1_000_000 })).costUsd).toBeCloseTo(11.375, 10);
  });

  it('matches dated and suffixed names by the longest known prefix', () => {
    expect(costOf(million('claude-sonnet-4-5-20250929', 'anthropic')).costUsd).toBe(18);
    expect(costOf(million('claude-opus-4-5-20251101', 'anthropic')).costUsd).toBe(30);
    expect(costOf(million('claude-opus-4-1-20250805', 'anthropic')).costUsd).toBe(90);
    expect(costOf(million('claude-3-5-haiku-latest', 'anthropic')).costUsd).toBeCloseTo(4.8, 10);
    expect(costOf(million('gpt-4o-mini-2024-07-18', 'openai')).costUsd).toBeCloseTo(0.75, 10);
    expect(costOf(million('gpt-5-mini-2025-08-07', 'openai')).costUsd).toBeCloseTo(2.25, 10);
    expect(costOf(million('gpt-5-pro', 'openai')).costUsd).toBe(135);
    expect(costOf(million('o3-mini-2025-01-31', 'openai')).costUsd).toBeCloseTo(5.5, 10);
  });

  it('reads gateway, Bedrock and Vertex spellings of a name', () => {
    expect(canonical('openai/gpt-5.1-codex')).toBe('gpt-5.1-codex');
    expect(canonical('us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('claude-sonnet-4-5-20250929-v1:0');
    expect(costOf(million('anthropic/claude-haiku-4-5', 'anthropic')).costUsd).toBe(6);
    expect(costOf(million('claude-haiku-4-5@20251001', 'anthropic')).costUsd).toBe(6);
    // A Claude model behind an OpenAI-compatible gateway costs what Claude costs.
    expect(costOf(million('gateway/claude-sonnet-4-6', 'openai'))).toEqual({ costUsd: 18 });
  });

  it('does not take a prefix that ends inside a name part', () => {
    // `o3` must not price `o30-...`, nor `gpt-4.1` price `gpt-4.10`: both are unknown.
    expect(costOf(million('o30-preview', 'openai')).pricedAs).toBeDefined();
    expect(costOf(million('gpt-4.10', 'openai')).pricedAs).toBeDefined();
  });

  it('prices an unknown model like the dearest known model of its provider, and names it', () => {
    const a = costOf(million('claude-fable-9', 'anthropic'));
    expect(a).toEqual({ costUsd: 90, pricedAs: 'claude-opus-4' });
    const o = costOf(million('qwen3-coder', 'openai'));
    expect(o.pricedAs).toBe('o1');
    expect(o.costUsd).toBe(75);
    // Dearest among the non-premium entries of that provider, and never free.
    for (const [name, entry] of Object.entries(PRICES)) {
      if (entry.provider === 'openai' && !entry.premium) expect(entry.output, name).toBeLessThanOrEqual(60);
    }
  });

  it('lets overrides win over the table, by exact name or prefix', () => {
    const overrides = { 'qwen3-coder': { input: 0.5, output: 1 }, 'claude-sonnet-4': { input: 1, output: 2 } };
    expect(costOf(million('qwen3-coder', 'openai'), overrides)).toEqual({ costUsd: 1.5 });
    expect(costOf(million('claude-sonnet-4-5-20250929', 'anthropic'), overrides)).toEqual({ costUsd: 3 });
    // Cache prices default to the input price when an override gives none.
    expect(
      costOf(million('qwen3-coder', 'openai', { outputTokens: 0, cacheReadTokens: 1_000_000 }), overrides),
    ).toEqual({ costUsd: 1 });
  });

  it('has a schema for one price entry that refuses bad values', () => {
    expect(priceSchema.parse({ input: 1, output: 2, cacheRead: 0.1 })).toEqual({ input: 1, output: 2, cacheRead: 0.1 });
    expect(priceSchema.safeParse({ input: -1, output: 2 }).success).toBe(false);
    expect(priceSchema.safeParse({ input: 1 }).success).toBe(false);
    expect(priceSchema.safeParse({ input: 1, output: 2, typo: 3 }).success).toBe(false);
  });
});
