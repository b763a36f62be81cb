import type { ServerResponse } from 'node:http';
import {
  estimateTokens,
  halves,
  id,
  sendOpenAiError,
  startOpenAiFake,
  type FakeHttpOptions,
  type FakeModelServer,
  type FakeRequest,
} from './http-fake.js';

export type { FakeRequest } from './http-fake.js';

/**
 * A local stand-in for the OpenAI Responses API (`POST /v1/responses`, streaming SSE), so the
 * real Codex CLI can run against a scripted model. It sends the event sequence of the real API
 * (response.created, output_item.added, deltas, output_item.done, response.completed with
 * usage) and OpenAI's error JSON.
 *
 * Codex's tool surface depends on the model name: see `codexWrite` and `codexShell`.
 */

export type ResponsesItem =
  | { type: 'message'; text: string }
  /** `namespace`: a tool of a namespace Codex offered (its MCP servers: `mcp__<server>`). */
  | { type: 'function_call'; name: string; arguments: string; namespace?: string }
  | { type: 'custom_tool_call'; name: string; input: string };

/**
 * One model turn: a final text, output items (e.g. a tool call), or a function that picks the
 * items from the request, as a model does from the tools it was offered.
 */
export type ResponsesTurn = string | ResponsesItem[] | ((request: ResponsesBody) => ResponsesItem[]);

export interface FakeResponsesOptions {
  /**
   * The model turns. The turn answered is the number of tool results the request already
   * holds, so client retries get the same answer (script at most one tool call per turn).
   */
  turns: ResponsesTurn[];
  /** When set, requests whose Bearer token differs get a 401. */
  apiKey?: string;
  /** Answers a request with a fault (e.g. a 429 with retry-after) instead of a turn when it returns one. */
  fault?: FakeHttpOptions['fault'];
}

export interface FakeResponses extends FakeModelServer {
  /** Base URL including `/v1`, as Codex's `base_url` and OPENAI_BASE_URL expect it. */
  readonly url: string;
  /** The `POST /v1/responses` requests that were answered (not rejected). */
  conversationRequests(): FakeRequest[];
}

export interface ResponsesBody {
  model?: string;
  stream?: boolean;
  tools?: Array<{ type?: string; name?: string; tools?: Array<{ type?: string; name?: string }> }>;
  input?: Array<{
    type?: string;
    role?: string;
    tools?: Array<{ type?: string; name?: string; tools?: Array<{ type?: string; name?: string }> }>;
  }>;
}

/**
 * Codex 0.169 offers one of two tool surfaces. For models it knows (its default), "code mode":
 * a single `exec` custom tool running JavaScript that calls nested tools such as
 * `tools.apply_patch(patch)` and `tools.exec_command({cmd})`, offered in an `additional_tools`
 * input item. For model names it does not know (typical behind a gateway), plain function
 * tools, with `exec_command` but no apply_patch. These helpers answer in the surface offered.
 */
export function codexCodeMode(request: ResponsesBody): boolean {
  return (request.input ?? []).some(
    (i) =>
      i.type === 'additional_tools' && (i.tools ?? []).some((ns) => (ns.tools ?? []).some((t) => t.name === 'exec')),
  );
}

/** A turn that runs a shell command. */
export function codexShell(cmd: string): ResponsesTurn {
  return (request) =>
    codexCodeMode(request)
      ? [
          {
            type: 'custom_tool_call',
            name: 'exec',
            input: `const r = await tools.exec_command(${JSON.stringify({ cmd })});\ntext(r);`,
          },
        ]
      : [{ type: 'function_call', name: 'exec_command', arguments: JSON.stringify({ cmd }) }];
}

/** A turn that creates a file: apply_patch in code mode, else a shell heredoc (all there is). */
export function codexWrite(path: string, content: string): ResponsesTurn {
  return (request) => {
    if (!codexCodeMode(request)) {
      const cmd = `cat > ${path} <<'EOF'\n${content.replace(/\n$/, '')}\nEOF`;
      return [{ type: 'function_call', name: 'exec_command', arguments: JSON.stringify({ cmd }) }];
    }
    const lines = content
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => `+${l}`);
    const patch = ['*** Begin Patch', `*** Add File: ${path}`, ...lines, '*** End Patch'].join('\n');
    return [
      {
        type: 'custom_tool_call',
        name: 'exec',
        input: `await tools.apply_patch(${JSON.stringify(patch)});\ntext("patched");`,
      },
    ];
  };
}

type OutputItem =
  | {
      type: 'message';
      id: string;
      status: 'completed';
      role: 'assistant';
      content: Array<{ type: 'output_text'; text: string; annotations: [] }>;
    }
  | {
      type: 'function_call';
      id: string;
      status: 'completed';
      call_id: string;
      name: string;
      arguments: string;
      namespace?: string;
    }
  | { type: 'custom_tool_call'; id: string; status: 'completed'; call_id: string; name: string; input: string };

export async function startFakeResponses(options: FakeResponsesOptions): Promise<FakeResponses> {
  return startOpenAiFake({
    apiKey: options.apiKey,
    fault: options.fault,
    path: '/v1/responses',
    headers: requestId,
    handle: (request, res, raw, scripted) => {
      const body = (request.body ?? {}) as ResponsesBody;
      if (!Array.isArray(body.input))
        return sendError(res, 400, "Missing required parameter: 'input'.", 'invalid_request_error', null);
      scripted();
      const index = body.input.filter(
        (i) => i.type === 'function_call_output' || i.type === 'custom_tool_call_output',
      ).length;
      const items = toItems(options.turns[index] ?? 'Done.', body).map(toOutput);
      return streamResponse(res, body.model ?? 'gpt-fake', items, estimateTokens(raw));
    },
  });
}

function toItems(turn: ResponsesTurn, request: ResponsesBody): ResponsesItem[] {
  if (typeof turn === 'function') return turn(request);
  return typeof turn === 'string' ? [{ type: 'message', text: turn }] : turn;
}

function toOutput(item: ResponsesItem): OutputItem {
  if (item.type === 'message') {
    return {
      type: 'message',
      id: `msg_${id()}`,
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: item.text, annotations: [] }],
    };
  }
  if (item.type === 'function_call') return { ...item, id: `fc_${id()}`, status: 'completed', call_id: `call_${id()}` };
  return { ...item, id: `ctc_${id()}`, status: 'completed', call_id: `call_${id()}` };
}

function streamResponse(res: ServerResponse, model: string, output: OutputItem[], inputTokens: number): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': `req_${id()}`,
  });
  let seq = 0;
  const send = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
  const responseId = `resp_${id()}`;
  const base = {
    id: responseId,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    model,
    output: [] as OutputItem[],
    error: null,
  };
  send('response.created', { response: { ...base, status: 'in_progress', usage: null } });
  send('response.in_progress', { response: { ...base, status: 'in_progress', usage: null } });
  output.forEach((item, output_index) => {
    if (item.type === 'message') {
      send('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      const text = item.content[0]?.text ?? '';
      send('response.content_part.added', {
        item_id: item.id,
        output_index,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      });
      for (const delta of halves(text)) {
        send('response.output_text.delta', { item_id: item.id, output_index, content_index: 0, delta, logprobs: [] });
      }
      send('response.output_text.done', { item_id: item.id, output_index, content_index: 0, text, logprobs: [] });
      send('response.content_part.done', {
        item_id: item.id,
        output_index,
        content_index: 0,
        part: { type: 'output_text', text, annotations: [] },
      });
    } else if (item.type === 'function_call') {
      send('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of halves(item.arguments))
        send('response.function_call_arguments.delta', { item_id: item.id, output_index, delta });
      send('response.function_call_arguments.done', { item_id: item.id, output_index, arguments: item.arguments });
    } else {
      send('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', input: '' } });
      for (const delta of halves(item.input))
        send('response.custom_tool_call_input.delta', { item_id: item.id, output_index, delta });
      send('response.custom_tool_call_input.done', { item_id: item.id, output_index, input: item.input });
    }
    send('response.output_item.done', { output_index, item });
  });
  const outputTokens = estimateTokens(JSON.stringify(output));
  send('response.completed', {
    response: {
      ...base,
      status: 'completed',
      output,
      usage: {
        input_tokens: inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: outputTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: inputTokens + outputTokens,
      },
    },
  });
  res.end();
}

function sendError(res: ServerResponse, status: number, message: string, type: string, code: string | null): void {
  sendOpenAiError(res, status, message, type, code, requestId());
}

/** The x-request-id header the real API sends. */
function requestId(): Record<string, string> {
  return { 'x-request-id': `req_${id()}` };
}
