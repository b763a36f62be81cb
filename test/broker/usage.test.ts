import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/broker/sse.js';
import { usageFromEvents, usageFromJson } from '../../src/broker/usage.js';

describe('Anthropic Messages usage', () => {
  const startUsage = {
    input_tokens: 12,
    cache_creation_input_tokens: 300,
    cache_read_input_tokens: 4000,
    cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
    output_tokens: 1,
  };

  it('reads the stream: message_start for input and cache, message_delta for the cumulative output', () => {
    const events = [
      { type: 'message_start', message: { id: 'msg_1', model: 'claude-sonnet-4-5-20250929', usage: startUsage } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } },
      { type: 'message_delta', delta: { stop_reason: null }, usage: { output_tokens: 40 } },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 95 } },
      { type: 'message_stop' },
    ];
    expect(usageFromEvents('anthropic-messages', events, 'claude-sonnet-4-5')).toEqual({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5-20250929',
      inputTokens: 12,
      outputTokens: 95,
      cacheReadTokens: 4000,
      cacheWriteTokens: 300,
      cacheWrite1hTokens: 200,
    });
  });

  it('takes the cumulative input and cache counts a newer message_delta carries', () => {
    const events = [
      { type: 'message_start', message: { model: 'claude-opus-4-5', usage: { input_tokens: 5, output_tokens: 1 } } },
      {
        type: 'message_delta',
        usage: { input_tokens: 7, cache_read_input_tokens: 10, cache_creation_input_tokens: 0, output_tokens: 30 },
      },
    ];
    expect(usageFromEvents('anthropic-messages', events)).toMatchObject({
      inputTokens: 7,
      cacheReadTokens: 10,
      outputTokens: 30,
    });
  });

  it('reads the JSON body, and names the requested model when the body has none', () => {
    const body = { type: 'message', content: [], usage: { ...startUsage, output_tokens: 50 } };
    expect(usageFromJson('anthropic-messages', body, 'claude-haiku-4-5')).toEqual({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      inputTokens: 12,
      outputTokens: 50,
      cacheReadTokens: 4000,
      cacheWriteTokens: 300,
      cacheWrite1hTokens: 200,
    });
  });

  it('has no usage for a stream cut off before message_start, or an error body', () => {
    expect(usageFromEvents('anthropic-messages', [{ type: 'ping' }])).toBeUndefined();
    expect(usageFromJson('anthropic-messages', { type: 'error', error: { type: 'x' } })).toBeUndefined();
  });
});

describe('OpenAI Responses usage', () => {
  const usage = {
    input_tokens: 5000,
    input_tokens_details: { cached_tokens: 4096 },
    output_tokens: 120,
    output_tokens_details: { reasoning_tokens: 64 },
    total_tokens: 5120,
  };

  it('reads response.completed, cached tokens taken out of the input', () => {
    const events = [
      { type: 'response.created', response: { model: 'gpt-5-codex', usage: null } },
      { type: 'response.output_text.delta', delta: 'usage' },
      { type: 'response.completed', response: { model: 'gpt-5-codex-2025-09-15', usage } },
    ];
    expect(usageFromEvents('openai-responses', events, 'gpt-5-codex')).toEqual({
      provider: 'openai',
      model: 'gpt-5-codex-2025-09-15',
      inputTokens: 904,
      outputTokens: 120,
      cacheReadTokens: 4096,
      cacheWriteTokens: 0,
    });
  });

  it('reads response.incomplete too (a response cut at max_output_tokens is billed)', () => {
    const events = [{ type: 'response.incomplete', response: { model: 'gpt-5', usage } }];
    expect(usageFromEvents('openai-responses', events)?.outputTokens).toBe(120);
  });

  it('reads the JSON body', () => {
    expect(usageFromJson('openai-responses', { object: 'response', model: 'o3', usage })).toMatchObject({
      model: 'o3',
      inputTokens: 904,
      cacheReadTokens: 4096,
    });
  });

  it('has no usage when the stream ended before response.completed', () => {
    expect(usageFromEvents('openai-responses', [{ type: 'response.created', response: { usage: null } }])).toBe(
      undefined,
    );
  });
});

describe('chat completions usage', () => {
  const usage = { prompt_tokens: 900, prompt_tokens_details: { cached_tokens: 800 }, completion_tokens: 33 };

  it('reads the last streamed chunk', () => {
    const events = [
      { object: 'chat.completion.chunk', model: 'gpt-4.1', choices: [{ delta: { content: 'a' } }] },
      { object: 'chat.completion.chunk', model: 'gpt-4.1-2025-04-14', choices: [], usage },
    ];
    expect(usageFromEvents('openai-chat', events, 'gpt-4.1')).toEqual({
      provider: 'openai',
      model: 'gpt-4.1-2025-04-14',
      inputTokens: 100,
      outputTokens: 33,
      cacheReadTokens: 800,
      cacheWriteTokens: 0,
    });
  });

  it('ignores chunks whose usage is null (some gateways send it on every chunk)', () => {
    const events = [
      { model: 'm', choices: [], usage: { prompt_tokens: 10, completion_tokens: 2 } },
      { model: 'm', choices: [{ delta: {} }], usage: null },
    ];
    expect(usageFromEvents('openai-chat', events)).toMatchObject({ inputTokens: 10, outputTokens: 2 });
  });

  it('reads the JSON body, without cache details', () => {
    expect(
      usageFromJson('openai-chat', { model: 'gpt-4o', usage: { prompt_tokens: 7, completion_tokens: 3 } }),
    ).toEqual({
      provider: 'openai',
      model: 'gpt-4o',
      inputTokens: 7,
      outputTokens: 3,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });
});

describe('LineSplitter', () => {
  it('joins lines split across chunks, multi-byte characters included, and strips CR', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), 100);
    const bytes = Buffer.from('data: {"t":"é€"}\r\n\nevent: x\ndata: last');
    for (let i = 0; i < bytes.length; i += 3) s.push(bytes.subarray(i, i + 3));
    s.end();
    expect(lines).toEqual(['data: {"t":"é€"}', 'event: x', 'data: last']);
  });

  it('drops a line over the limit instead of buffering it, and reads the next', () => {
    const lines: string[] = [];
    let overflows = 0;
    const s = new LineSplitter(
      (l) => lines.push(l),
      10,
      () => overflows++,
    );
    s.push(Buffer.from('data: 0123'));
    s.push(Buffer.from('456789abcdef'));
    s.push(Buffer.from('more\nok\n'));
    expect(lines).toEqual(['ok']);
    expect(overflows).toBe(1);
  });
});
