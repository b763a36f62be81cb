import type { UsageTotals } from '../domain/usage.js';
import { formatCost } from './progress.js';

/**
 * A run's cost for a maintainer: the amount, and with the broker's meter the tokens behind it
 * and whether a model missing from the price table made it an estimate.
 */
export function costText(costUsd: number | undefined, usage?: UsageTotals): string {
  if (usage === undefined) return costUsd === undefined ? 'n/a' : formatCost(costUsd);
  const cached = usage.cacheReadTokens + usage.cacheWriteTokens;
  const tokens = [
    `${count(usage.inputTokens)} input`,
    `${count(usage.outputTokens)} output`,
    ...(cached > 0
      ? [`${count(usage.cacheReadTokens)} cache read`, `${count(usage.cacheWriteTokens)} cache write`]
      : []),
  ].join(', ');
  const estimate = usage.pricedAs
    ? `; an estimate: a model not in the price table was priced as \`${usage.pricedAs}\``
    : '';
  return `${formatCost(usage.costUsd)} (${tokens} tokens${estimate})`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
