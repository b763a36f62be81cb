import { CostMeter } from './cost.js';
import { resolveStructured, type StructuredOutput } from './structured.js';
import type { AgentEvent } from './types.js';

/** What a finished agent run amounts to, folded from its events: a `result` event's facts. */
export type AgentRunResult = Omit<Extract<AgentEvent, { kind: 'result' }>, 'kind' | 'structuredOutput'> & {
  /** The run's structured output, validated; set only when it was asked for and valid. */
  structured?: StructuredOutput;
  /** Why a run asked for structured output has none (absent, or invalid): the text is used as before. */
  structuredError?: string;
};

/**
 * Folds a run's events into its result. The last `result` event wins; without one the run
 * failed unless the CLI exited 0, in which case the last message is the summary.
 */
export function foldEvents(
  events: readonly AgentEvent[],
  exitCode: number,
  options: { structured?: boolean } = {},
): AgentRunResult {
  const fold = new EventFold();
  for (const e of events) fold.add(e);
  return fold.result(exitCode, options);
}

/**
 * `foldEvents` one event at a time, so a run's events need not be kept: what it holds is the
 * last of each kind and a few sums, whatever the length of the run.
 */
export class EventFold {
  private sessionId: string | undefined;
  private model: string | undefined;
  private lastMessage = '';
  private lastError: string | undefined;
  private final: Extract<AgentEvent, { kind: 'result' }> | undefined;
  private readonly cost = new CostMeter();
  private inputTokens: number | undefined;
  private outputTokens: number | undefined;
  /** Some event said why the run failed (an error, or a failed result). */
  explained = false;
  /** The structured output object the CLI returned in its result (Claude Code), unvalidated. */
  structuredOutput: unknown;

  add(e: AgentEvent): void {
    this.cost.add(e);
    if (e.kind === 'session') {
      this.sessionId = e.sessionId;
      this.model = e.model ?? this.model;
    } else if (e.kind === 'message') this.lastMessage = e.text;
    else if (e.kind === 'error') {
      this.lastError = e.message;
      this.explained = true;
    } else if (e.kind === 'usage') {
      if (e.inputTokens !== undefined) this.inputTokens = (this.inputTokens ?? 0) + e.inputTokens;
      if (e.outputTokens !== undefined) this.outputTokens = (this.outputTokens ?? 0) + e.outputTokens;
    } else if (e.kind === 'result') {
      this.final = e;
      this.structuredOutput = e.structuredOutput;
      if (!e.ok) this.explained = true;
    }
  }

  /** The result; with `structured`, the structured output validated and the summary cleared of it. */
  result(exitCode: number, options: { structured?: boolean } = {}): AgentRunResult {
    const folded = this.folded(exitCode);
    if (!options.structured || !folded.ok) return folded;
    const { structured, structuredError, summary } = resolveStructured(folded.summary, this.structuredOutput);
    return { ...folded, summary, ...(structured ? { structured } : { structuredError }) };
  }

  private folded(exitCode: number): AgentRunResult {
    const { sessionId, model, lastMessage, lastError, final: result, inputTokens, outputTokens } = this;
    if (result) {
      return {
        ok: result.ok && exitCode === 0,
        summary: result.summary || lastMessage,
        sessionId: result.sessionId ?? sessionId,
        costUsd: this.cost.totalUsd,
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
      costUsd: this.cost.totalUsd,
      inputTokens,
      outputTokens,
      error: ok ? undefined : (lastError ?? `the agent exited with code ${exitCode} without a result`),
    };
  }
}
