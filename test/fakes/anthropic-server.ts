import type { ServerResponse } from 'node:http';
import {
  estimateTokens,
  halves,
  hasBearer,
  id,
  sendJson,
  startFakeHttp,
  type FakeHttpOptions,
  type FakeModelServer,
  type FakeRequest,
} from './http-fake.js';

export type { FakeRequest } from './http-fake.js';

/**
 * A local stand-in for the Anthropic Messages API, so the real agent CLIs (Claude Code,
 * OpenClaw) can run against a scripted model. It speaks the wire protocol of the real API:
 * `POST /v1/messages` answers with SSE (message_start, content_block_start/delta/stop,
 * message_delta, message_stop) when `stream: true`, with a JSON message otherwise, and
 * errors use Anthropic's error JSON.
 */

export type FakeBlock =
  { type: 'text'; text: string } | { type: 'tool_use'; name: string; input: Record<string, unknown>; id?: string };

/** One assistant turn: plain text, or blocks (e.g. a tool_use, or text then tool_use). */
export type FakeTurn = string | FakeBlock[];

export interface FakeAnthropicOptions {
  /**
   * The assistant turns of the conversation. The turn answered is chosen by how many
   * assistant messages the request already holds, so client retries get the same answer.
   */
  turns: FakeTurn[];
  /** When set, requests whose x-api-key or Bearer token differ get a 401. */
  apiKey?: string;
  /** Answers a request with a fault (e.g. a 429 with retry-after) instead of a turn when it returns one. */
  fault?: FakeHttpOptions['fault'];
  /**
   * Paces a stream: `afterFirst` holds it after the first event until it resolves (to see what
   * reached the client meanwhile), `delayMs` waits between events as a model generating does,
   * `firstMs` before the first event (a model's time to first token).
   */
  pace?: { afterFirst?: Promise<void>; delayMs?: number; firstMs?: number };
}

export interface FakeAnthropic extends FakeModelServer {
  /** Base URL for ANTHROPIC_BASE_URL (no trailing slash, no /v1). */
  readonly url: string;
  /** The `POST /v1/messages` requests that were answered with a scripted turn. */
  conversationRequests(): FakeRequest[];
}

interface MessagesBody {
  model?: string;
  stream?: boolean;
  tools?: unknown[];
  messages?: Array<{ role?: string; content?: unknown }>;
}

export async function startFakeAnthropic(options: FakeAnthropicOptions): Promise<FakeAnthropic> {
  return startFakeHttp({
    apiKey: options.apiKey,
    fault: options.fault,
    acceptsKey: (req, key) => req.headers['x-api-key'] === key || hasBearer(req, key),
    unauthorized: (res) => sendError(res, 401, 'authentication_error', 'invalid x-api-key'),
    handle: (request, res, raw, scripted) => {
      const { method, path } = request;
      if (method === 'POST' && path === '/v1/messages') {
        const body = (request.body ?? {}) as MessagesBody;
        if (!Array.isArray(body.messages))
          return sendError(res, 400, 'invalid_request_error', 'messages: Field required');
        // Side requests without tools (titles, quota probes) must not consume a scripted turn.
        const isConversation = Array.isArray(body.tools) && body.tools.length > 0;
        let blocks: FakeBlock[];
        if (isConversation) {
          scripted();
          const index = body.messages.filter((m) => m.role === 'assistant').length;
          blocks = toBlocks(options.turns[index] ?? 'Done.');
        } else {
          blocks = [{ type: 'text', text: 'ok' }];
        }
        const message = buildMessage(body.model ?? 'claude-fake', blocks, estimateTokens(raw));
        if (body.stream) return void streamMessage(res, message, options.pace);
        return reply(res, 200, message);
      }
      if (method === 'POST' && path === '/v1/messages/count_tokens') {
        return reply(res, 200, { input_tokens: estimateTokens(raw) });
      }
      sendError(res, 404, 'not_found_error', `${method} ${path} is not served by the fake`);
    },
  });
}

/** All text a request sent to the model (system prompt excluded): user and assistant text and tool results. */
export function requestText(request: FakeRequest): string {
  const body = (request.body ?? {}) as MessagesBody;
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.text === 'string') out.push(o.text);
      if (o.content !== undefined) walk(o.content);
    }
  };
  for (const m of body.messages ?? []) walk(m.content);
  return out.join('\n');
}

interface Message {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: Array<
    { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  >;
  stop_reason: 'end_turn' | 'tool_use';
  stop_sequence: null;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
  };
}

function buildMessage(model: string, blocks: FakeBlock[], inputTokens: number): Message {
  const content = blocks.map((b) =>
    b.type === 'text'
      ? { type: 'text' as const, text: b.text }
      : { type: 'tool_use' as const, id: b.id ?? `toolu_${id()}`, name: b.name, input: b.input },
  );
  return {
    id: `msg_${id()}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: inputTokens,
      output_tokens: estimateTokens(JSON.stringify(content)),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

/** Streams a message the way the real API does: text in two deltas, tool input as partial JSON. */
async function streamMessage(res: ServerResponse, message: Message, pace: FakeAnthropicOptions['pace']): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': `req_${id()}`,
  });
  const events: string[] = [];
  const send = (event: string, data: unknown) => events.push(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('message_start', {
    type: 'message_start',
    message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } },
  });
  send('ping', { type: 'ping' });
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (const part of halves(block.text)) {
        send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: part } });
      }
    } else {
      send('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      send('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: '' },
      });
      for (const part of halves(JSON.stringify(block.input))) {
        send('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: part },
        });
      }
    }
    send('content_block_stop', { type: 'content_block_stop', index });
  });
  send('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: message.stop_reason, stop_sequence: null },
    usage: { output_tokens: message.usage.output_tokens },
  });
  send('message_stop', { type: 'message_stop' });
  if (pace?.firstMs) await new Promise((resolve) => setTimeout(resolve, pace.firstMs));
  for (const [i, event] of events.entries()) {
    if (res.destroyed) return;
    res.write(event);
    if (i === 0 && pace?.afterFirst) await pace.afterFirst;
    else if (pace?.delayMs) await new Promise((resolve) => setTimeout(resolve, pace.delayMs));
  }
  res.end();
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  reply(res, status, { type: 'error', error: { type, message }, request_id: `req_${id()}` });
}

/** JSON with the request-id header the real API sends. */
function reply(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, body, { 'request-id': `req_${id()}` });
}

function toBlocks(turn: FakeTurn): FakeBlock[] {
  return typeof turn === 'string' ? [{ type: 'text', text: turn }] : turn;
}
