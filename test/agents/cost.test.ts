import { describe, expect, it } from 'vitest';
import { CostMeter } from '../../src/agents/cost.js';
import { foldEvents } from '../../src/agents/run-result.js';
import type { AgentEvent } from '../../src/agents/types.js';

const usage = (costUsd: number): AgentEvent => ({ kind: 'usage', costUsd });
const result = (costUsd: number): AgentEvent => ({ kind: 'result', ok: true, summary: 'done', costUsd });

describe('CostMeter', () => {
  it('adds usage costs within an invocation, and lets its result total replace them', () => {
    const meter = new CostMeter();
    expect(meter.totalUsd).toBeUndefined();
    expect(meter.add(usage(0.1))).toBe(true);
    expect(meter.add({ kind: 'usage', inputTokens: 5 })).toBe(false);
    meter.add(usage(0.05));
    expect(meter.totalUsd).toBeCloseTo(0.15);
    expect(meter.add(result(0.42))).toBe(true);
    expect(meter.totalUsd).toBe(0.42);
    expect(meter.add(usage(1))).toBe(false); // the CLI's own total stands
    expect(meter.totalUsd).toBe(0.42);
  });

  it.each<[string, AgentEvent[][], number | undefined]>([
    ['no invocation reported a cost', [[{ kind: 'message', text: 'hi' }], []], undefined],
    ['a fix run adds to the first run', [[result(0.4)], [result(0.1)]], 0.5],
    ['usage-only invocations add up across invocations', [[usage(0.2), usage(0.1)], [usage(0.05)]], 0.35],
    ['a first run without cost and a fix run with one', [[], [result(0.25)]], 0.25],
    ['a first run with cost and a fix run without', [[result(0.3)], []], 0.3],
  ])('a job whose invocations report costs: %s', (_, invocations, expected) => {
    const meter = new CostMeter();
    invocations.forEach((events, i) => {
      if (i > 0) meter.nextInvocation();
      for (const e of events) meter.add(e);
    });
    if (expected === undefined) expect(meter.totalUsd).toBeUndefined();
    else expect(meter.totalUsd).toBeCloseTo(expected);
  });

  it('is the fold foldEvents uses for one invocation', () => {
    const events = [usage(0.1), usage(0.2), result(0.25)];
    const meter = new CostMeter();
    for (const e of events) meter.add(e);
    expect(foldEvents(events, 0).costUsd).toBe(meter.totalUsd);
    expect(foldEvents([usage(0.1), usage(0.2)], 0).costUsd).toBeCloseTo(0.3);
  });
});
