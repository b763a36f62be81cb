/**
 * What a job's model calls used, as the broker metered them: every call through the app's
 * model proxy adds to it, whichever replica served the call.
 */
export interface UsageTotals {
  /** Input tokens at the full price (cache reads and writes counted apart). */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  /**
   * Set when a model was not in the price table: the known model it was priced as (the
   * dearest of its provider), so the cost line can say the figure is an estimate.
   */
  pricedAs?: string;
}

/** One call's usage and price, added to a job's totals. */
export type UsageDelta = UsageTotals;
