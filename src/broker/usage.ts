import type { MeteredUsage } from './types.js';

/**
 * Token usage read from model responses, one reader per API, for JSON bodies and SSE events
 * alike. Pure: the proxy feeds parsed events in as they pass and asks for the usage at the end.
 *
 * Normalised to MeteredUsage, where `inputTokens` excludes cached tokens: Anthropic reports
 * cache reads and writes beside `input_tokens`, OpenAI counts cached tokens inside it.
 */

export type ModelApi = 'anthropic-messages' | 'openai-responses' | 'openai-chat';

export interface UsageReader {
  /** One SSE event's parsed `data`. */
  event(data: unknown): void;
  /** A whole (non-streamed) JSON response body. */
  json(body: unknown): void;
  /** The usage seen so far; undefined when the response carried none. */
  usage(): MeteredUsage | undefined;
}

type Obj = Record<string, unknown>;

export function usageReader(api: ModelApi, requestModel: string | undefined): UsageReader {
  switch (api) {
    case 'anthropic-messages':
      return anthropicReader(requestModel);
    case 'openai-responses':
      return openAiReader(requestModel, (data) => {
        // response.completed, and also response.incomplete / response.failed, carry the final usage.
        const response = obj(data)?.response;
        return obj(response);
      });
    case 'openai-chat':
      // The usage chunk of a stream, and the JSON body, both hold `usage` at the top.
      return openAiReader(requestModel, (data) => obj(data));
  }
}

/** The usage of a whole JSON response body. */
export function usageFromJson(api: ModelApi, body: unknown, requestModel?: string): MeteredUsage | undefined {
  const reader = usageReader(api, requestModel);
  reader.json(body);
  return reader.usage();
}

/** The usage of a stream's events (each one's parsed `data`), as the proxy reads them one by one. */
export function usageFromEvents(api: ModelApi, events: unknown[], requestModel?: string): MeteredUsage | undefined {
  const reader = usageReader(api, requestModel);
  for (const e of events) reader.event(e);
  return reader.usage();
}

/**
 * Anthropic Messages: `message_start.message.usage` has the input, cache and initial output
 * counts; each `message_delta.usage` has the cumulative output count (and, from newer API
 * versions, cumulative input and cache counts too). The JSON body has the final `usage`.
 */
function anthropicReader(requestModel: string | undefined): UsageReader {
  let model = requestModel;
  let seen = false;
  const u = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0 };
  const take = (usage: Obj | undefined): void => {
    if (!usage) return;
    seen = true;
    u.input = num(usage.input_tokens) ?? u.input;
    u.output = num(usage.output_tokens) ?? u.output;
    u.cacheRead = num(usage.cache_read_input_tokens) ?? u.cacheRead;
    u.cacheWrite = num(usage.cache_creation_input_tokens) ?? u.cacheWrite;
    u.cacheWrite1h = num(obj(usage.cache_creation)?.ephemeral_1h_input_tokens) ?? u.cacheWrite1h;
  };
  const takeMessage = (message: Obj | undefined): void => {
    if (!message) return;
    model = str(message.model) ?? model;
    take(obj(message.usage));
  };
  return {
    event(data) {
      const e = obj(data);
      if (e?.type === 'message_start') takeMessage(obj(e.message));
      else if (e?.type === 'message_delta') take(obj(e.usage));
    },
    json(body) {
      takeMessage(obj(body));
    },
    usage: () =>
      seen
        ? {
            provider: 'anthropic',
            model: model ?? 'unknown',
            inputTokens: u.input,
            outputTokens: u.output,
            cacheReadTokens: u.cacheRead,
            cacheWriteTokens: u.cacheWrite,
            ...(u.cacheWrite1h > 0 ? { cacheWrite1hTokens: u.cacheWrite1h } : {}),
          }
        : undefined,
  };
}

/**
 * OpenAI Responses (`input_tokens`, `input_tokens_details.cached_tokens`, `output_tokens`) and
 * chat completions (`prompt_tokens`, `prompt_tokens_details.cached_tokens`, `completion_tokens`):
 * one usage object per response, the last one seen wins. `holder` finds the object that holds
 * `usage` and `model` in an event.
 */
function openAiReader(requestModel: string | undefined, holder: (data: unknown) => Obj | undefined): UsageReader {
  let model = requestModel;
  let found: MeteredUsage | undefined;
  const take = (h: Obj | undefined): void => {
    if (!h) return;
    model = str(h.model) ?? model;
    const usage = obj(h.usage);
    if (!usage) return;
    const input = num(usage.input_tokens) ?? num(usage.prompt_tokens) ?? 0;
    const details = obj(usage.input_tokens_details) ?? obj(usage.prompt_tokens_details);
    const cached = Math.min(num(details?.cached_tokens) ?? 0, input);
    found = {
      provider: 'openai',
      model: model ?? 'unknown',
      inputTokens: input - cached,
      outputTokens: num(usage.output_tokens) ?? num(usage.completion_tokens) ?? 0,
      cacheReadTokens: cached,
      cacheWriteTokens: 0,
    };
  };
  return {
    event: (data) => take(holder(data)),
    json: (body) => take(obj(body)),
    usage: () => (found ? { ...found, model: model ?? found.model } : undefined),
  };
}

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
