// ActionLog's cost, on its own so that it can go as a whole if cost folding leaves ActionLog.
import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agents/types.js';
import { ActionLog } from '../../src/github/progress.js';

const usage = (costUsd?: number): AgentEvent => (costUsd === undefined ? { kind: 'usage', inputTokens: 1 } : { kind: 'usage', costUsd });
const result = (costUsd?: number): AgentEvent =>
  costUsd === undefined ? { kind: 'result', ok: true, summary: 'done' } : { kind: 'result', ok: true, summary: 'done', costUsd };

describe('ActionLog cost: usage costs add up, a result total replaces them', () => {
  it.each<{ name: string; events: AgentEvent[]; cost: number | undefined; changed: boolean[] }>([
    { name: 'no cost reported yet', events: [{ kind: 'tool', name: 'Edit', description: 'a' }], cost: undefined, changed: [true] },
    { name: 'one usage cost', events: [usage(0.1)], cost: 0.1, changed: [true] },
    { name: 'usage costs add up', events: [usage(0.25), usage(0.5), usage(0.125)], cost: 0.875, changed: [true, true, true] },
    { name: 'a zero usage cost is a cost (not "none")', events: [usage(0)], cost: 0, changed: [true] },
    { name: 'usage without a cost neither adds nor changes the view', events: [usage(0.25), usage()], cost: 0.25, changed: [true, false] },
    { name: 'a result total alone', events: [result(0.42)], cost: 0.42, changed: [true] },
    { name: 'a result total replaces the usage sum, it is not added', events: [usage(0.25), usage(0.5), result(0.42)], cost: 0.42, changed: [true, true, true] },
    { name: 'a zero result total replaces the usage sum too', events: [usage(0.25), result(0)], cost: 0, changed: [true, true] },
    { name: 'usage after a result is ignored and changes nothing shown', events: [result(0.42), usage(1)], cost: 0.42, changed: [true, false] },
    { name: 'the last result total wins', events: [result(0.5), result(0.3)], cost: 0.3, changed: [true, true] },
    { name: 'a result without a cost keeps the usage sum', events: [usage(0.25), result()], cost: 0.25, changed: [true, false] },
  ])('$name', ({ events, cost, changed }) => {
    const log = new ActionLog();
    expect(events.map((e) => log.append(e))).toEqual(changed);
    expect(log.costUsd).toBe(cost);
  });
});
