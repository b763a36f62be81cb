import { CostMeter } from './cost.js';
import type { AgentEvent } from './types.js';

/** What a finished agent run amounts to, folded from its events: a `result` event's facts. */
export type AgentRunResult = Omit<Extract<AgentEvent, { kind: 'result' }>, 'kind'>;

/**
 * Folds a run's events into its result. The last `result` event wins; without one the run
 * failed unless the CLI exited 0, in which case the last message is the summary.
 */
export function foldEvents(events: readonly AgentEvent[], exitCode: number): AgentRunResult {
  let sessionId: string | undefined;
  let model: string | undefined;
  let lastMessage = '';
  let lastError: string | undefined;
  let result: Extract<AgentEvent, { kind: 'result' }> | undefined;
  const cost = new CostMeter();
  let inputTokens: number | undefined;
  let outputTokens: number | undefined;
  for (const e of events) {
    cost.add(e);
    if (e.kind === 'session') {
      sessionId = e.sessionId;
      model = e.model ?? model;
    } else if (e.kind === 'message') lastMessage = e.text;
    else if (e.kind === 'error') lastError = e.message;
    else if (e.kind === 'usage') {
      if (e.inputTokens !== undefined) inputTokens = (inputTokens ?? 0) + e.inputTokens;
      if (e.outputTokens !== undefined) outputTokens = (outputTokens ?? 0) + e.outputTokens;
    } else if (e.kind === 'result') result = e;
  }
  if (result) {
    return {
      ok: result.ok && exitCode === 0,
      summary: result.summary || lastMessage,
      sessionId: result.sessionId ?? sessionId,
      costUsd: cost.totalUsd,
      turns: result.turns,
      model: result.model ?? model,
      inputTokens: result.inputTokens ?? inputTokens,
      outputTokens: result.outputTokens ?? outputTokens,
      error: result.ok
        ? exitCode === 0
          ? undefined
          : `the agent exited with code ${exitCode}`
        : (result.error ?? lastError ?? (result.summary || 'the agent reported an error')),
    };
  }
  const ok = exitCode === 0 && lastError === undefined;
  return {
    ok,
    summary: lastMessage,
    sessionId,
    model,
    costUsd: cost.totalUsd,
    inputTokens,
    outputTokens,
    error: ok ? undefined : (lastError ?? `the agent exited with code ${exitCode} without a result`),
  };
}
