import type { ServerResponse } from 'node:http';
import {
  estimateTokens,
  halves,
  id,
  sendJson,
  sendOpenAiError as sendError,
  startOpenAiFake,
  type FakeHttpOptions,
  type FakeModelServer,
  type FakeRequest,
} from './http-fake.js';

export type { FakeRequest } from './http-fake.js';

/**
 * A local stand-in for an OpenAI-compatible chat completions API (`POST /v1/chat/completions`),
 * so the real OpenCode CLI can run against a scripted model. Streaming answers are
 * `chat.completion.chunk` SSE lines (text deltas, tool_calls with argument deltas, a usage
 * chunk when `stream_options.include_usage` asks for it) ended by `data: [DONE]`, as the real
 * API and the gateways that copy it send them.
 *
 * OpenCode's first request of a session is a title request without tools: it gets a short
 * title and does not consume a scripted turn.
 */

export type ChatItem =
  { type: 'text'; text: string } | { type: 'tool_call'; name: string; arguments: Record<string, unknown> };

/** One assistant turn: a final text, or items (e.g. a tool call). */
export type ChatTurn = string | ChatItem[];

export interface FakeChatOptions {
  /**
   * The assistant turns. The turn answered is the number of assistant messages the request
   * already holds, so client retries get the same answer.
   */
  turns: ChatTurn[];
  /** When set, requests whose Bearer token differs get a 401. */
  apiKey?: string;
  /** Answers a request with a fault (e.g. a 429 with retry-after) instead of a turn when it returns one. */
  fault?: FakeHttpOptions['fault'];
  /** The answer to title requests (requests without tools). */
  title?: string;
}

export interface FakeChat extends FakeModelServer {
  /** Base URL including `/v1`, as OpenAI-compatible clients expect it. */
  readonly url: string;
  /** The requests with tools that were answered with a scripted turn. */
  conversationRequests(): FakeRequest[];
}

interface ChatBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: unknown[];
  messages?: Array<{ role?: string }>;
}

interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export async function startFakeChat(options: FakeChatOptions): Promise<FakeChat> {
  return startOpenAiFake({
    apiKey: options.apiKey,
    fault: options.fault,
    path: '/v1/chat/completions',
    handle: (request, res, raw, scripted) => {
      const body = (request.body ?? {}) as ChatBody;
      if (!Array.isArray(body.messages))
        return sendError(res, 400, "Missing required parameter: 'messages'.", 'invalid_request_error', null);
      let items: ChatItem[];
      if (Array.isArray(body.tools) && body.tools.length > 0) {
        scripted();
        const index = body.messages.filter((m) => m.role === 'assistant').length;
        items = toItems(options.turns[index] ?? 'Done.');
      } else {
        items = [{ type: 'text', text: options.title ?? 'Scripted task' }];
      }
      const text = items.flatMap((i) => (i.type === 'text' ? [i.text] : [])).join('');
      const toolCalls: ToolCall[] = items.flatMap((i) =>
        i.type === 'tool_call'
          ? [
              {
                id: `call_${id()}`,
                type: 'function' as const,
                function: { name: i.name, arguments: JSON.stringify(i.arguments) },
              },
            ]
          : [],
      );
      const usage = {
        prompt_tokens: estimateTokens(raw),
        completion_tokens: estimateTokens(text + JSON.stringify(toolCalls)),
      };
      const model = body.model ?? 'gpt-fake';
      if (body.stream)
        return streamChat(res, model, text, toolCalls, body.stream_options?.include_usage === true ? usage : undefined);
      return sendJson(res, 200, {
        id: `chatcmpl-${id()}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: text || null,
              ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
            },
            finish_reason: toolCalls.length ? 'tool_calls' : 'stop',
          },
        ],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      });
    },
  });
}

function streamChat(
  res: ServerResponse,
  model: string,
  text: string,
  toolCalls: ToolCall[],
  usage: { prompt_tokens: number; completion_tokens: number } | undefined,
): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  const chunkId = `chatcmpl-${id()}`;
  const created = Math.floor(Date.now() / 1000);
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(
      `data: ${JSON.stringify({ id: chunkId, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`,
    );
  send([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  for (const part of halves(text)) if (part) send([{ index: 0, delta: { content: part }, finish_reason: null }]);
  toolCalls.forEach((call, index) => {
    send([
      {
        index: 0,
        delta: {
          tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
        },
        finish_reason: null,
      },
    ]);
    for (const part of halves(call.function.arguments)) {
      send([{ index: 0, delta: { tool_calls: [{ index, function: { arguments: part } }] }, finish_reason: null }]);
    }
  });
  send([{ index: 0, delta: {}, finish_reason: toolCalls.length ? 'tool_calls' : 'stop' }]);
  if (usage) send([], { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
  res.write('data: [DONE]\n\n');
  res.end();
}

function toItems(turn: ChatTurn): ChatItem[] {
  return typeof turn === 'string' ? [{ type: 'text', text: turn }] : turn;
}
