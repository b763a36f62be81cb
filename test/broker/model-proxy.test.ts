import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { modelProxy, type ModelProxyDeps, type Provider } from '../../src/broker/model-proxy.js';
import type { Grant, MeteredUsage } from '../../src/broker/types.js';
import { startFakeAnthropic } from '../fakes/anthropic-server.js';
import { startFakeChat } from '../fakes/chat-completions-server.js';
import { estimateTokens, type FakeModelServer } from '../fakes/http-fake.js';
import { startFakeResponses } from '../fakes/openai-responses-server.js';

const TOKEN = 'cap_job1_secret';
const REAL_ANTHROPIC = 'sk-ant-real-key';
const REAL_OPENAI = 'sk-proj-real-key';
const GRANT: Grant = {
  jobId: 'job-1',
  installationId: 7,
  repo: { owner: 'o', name: 'r', cloneUrl: 'https://github.com/o/r.git' },
};

interface Harness {
  url: string;
  usage: MeteredUsage[];
  upstreamErrors: Array<[Provider, number]>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function track<T extends FakeModelServer>(fake: Promise<T>): Promise<T> {
  const f = await fake;
  cleanups.push(() => f.close());
  return f;
}

async function startProxy(
  upstreams: ModelProxyDeps['upstreams'],
  more: Partial<Pick<ModelProxyDeps, 'admit' | 'authorize' | 'maxBodyBytes'>> = {},
): Promise<Harness> {
  const h: Omit<Harness, 'url'> = { usage: [], upstreamErrors: [] };
  const handle = modelProxy({
    authorize: more.authorize ?? (async (token) => (token === TOKEN ? GRANT : undefined)),
    admit: more.admit ?? (async () => undefined),
    onUsage: (grant, usage) => {
      expect(grant).toBe(GRANT);
      h.usage.push(usage);
    },
    onUpstreamError: (_grant, provider, status) => h.upstreamErrors.push([provider, status]),
    upstreams,
    log: pino({ level: 'silent' }),
    maxBodyBytes: more.maxBodyBytes,
  });
  const server: Server = createServer((req, res) => {
    void handle(req, res).then((handled) => {
      if (!handled) res.writeHead(418).end('not the broker');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { ...h, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const anthropicUpstream = (fake: FakeModelServer) => ({
  anthropic: { baseUrl: fake.url, headers: { 'x-api-key': REAL_ANTHROPIC } },
});
const openaiUpstream = (fake: FakeModelServer, key = REAL_OPENAI) => ({
  openai: { baseUrl: fake.url, headers: { authorization: `Bearer ${key}` } },
});

const messages = (stream: boolean) => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 100,
  stream,
  tools: [{ name: 't', input_schema: { type: 'object' } }],
  messages: [{ role: 'user', content: 'Say hello' }],
});

function post(url: string, body: unknown, headers: Record<string, string> = { 'x-api-key': TOKEN }) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Waits until `check` holds (the proxy reports usage after the last byte reached the client). */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('model proxy: forwarding and metering', () => {
  it('streams Anthropic Messages through with the real key, never the capability token, and meters it', async () => {
    const fake = await track(startFakeAnthropic({ turns: ['Hello there, friend.'], apiKey: REAL_ANTHROPIC }));
    const proxy = await startProxy(anthropicUpstream(fake));
    const body = messages(true);
    const res = await post(`${proxy.url}/broker/anthropic/v1/messages?beta=true`, body, {
      'x-api-key': TOKEN,
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'prompt-caching-2024-07-31',
      cookie: 'session=1',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const text = await res.text();
    expect(text).toContain('event: message_start');
    expect(text).toContain('event: message_stop');

    const seen = fake.requests[0]!;
    expect(seen.headers['x-api-key']).toBe(REAL_ANTHROPIC);
    expect(seen.headers['anthropic-version']).toBe('2023-06-01');
    expect(seen.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(seen.headers['accept-encoding']).toBe('identity');
    expect(seen.headers.cookie).toBeUndefined();
    expect(JSON.stringify(seen.headers)).not.toContain(TOKEN);
    expect(seen.body).toEqual(body);

    await until(() => proxy.usage.length === 1);
    const output = /"usage":\{"output_tokens":(\d+)\}/.exec(text)![1];
    expect(proxy.usage).toEqual([
      {
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        inputTokens: estimateTokens(JSON.stringify(body)),
        outputTokens: Number(output),
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      },
    ]);
  });

  it('takes the token as a Bearer too, and strips it when the upstream key goes in x-api-key', async () => {
    const fake = await track(startFakeAnthropic({ turns: [], apiKey: REAL_ANTHROPIC }));
    const proxy = await startProxy({
      anthropic: { baseUrl: `${fake.url}/`, headers: { 'x-api-key': REAL_ANTHROPIC } },
    });
    const res = await post(`${proxy.url}/broker/anthropic/v1/messages`, messages(false), {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { usage: { input_tokens: number; output_tokens: number } };
    expect(fake.requests[0]!.headers['x-api-key']).toBe(REAL_ANTHROPIC);
    expect(fake.requests[0]!.headers.authorization).toBeUndefined();
    await until(() => proxy.usage.length === 1);
    expect(proxy.usage[0]).toMatchObject({
      inputTokens: json.usage.input_tokens,
      outputTokens: json.usage.output_tokens,
    });
  });

  it('forwards count_tokens, which is not billed', async () => {
    const fake = await track(startFakeAnthropic({ turns: [], apiKey: REAL_ANTHROPIC }));
    const proxy = await startProxy(anthropicUpstream(fake));
    const res = await post(`${proxy.url}/broker/anthropic/v1/messages/count_tokens`, messages(false));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ input_tokens: expect.any(Number) });
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/messages/count_tokens']);
    await new Promise((r) => setTimeout(r, 50));
    expect(proxy.usage).toEqual([]);
  });

  it('streams OpenAI Responses through and meters response.completed', async () => {
    const fake = await track(startFakeResponses({ turns: ['Done here.'], apiKey: REAL_OPENAI }));
    const proxy = await startProxy(openaiUpstream(fake));
    const body = { model: 'gpt-5-codex', stream: true, input: [{ role: 'user', content: 'hi' }] };
    const res = await post(`${proxy.url}/broker/openai/v1/responses`, body, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('event: response.completed');
    expect(fake.requests[0]!.path).toBe('/v1/responses');
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${REAL_OPENAI}`);
    await until(() => proxy.usage.length === 1);
    const output = /"output_tokens":(\d+)/.exec(text)![1];
    expect(proxy.usage[0]).toEqual({
      provider: 'openai',
      model: 'gpt-5-codex',
      inputTokens: estimateTokens(JSON.stringify(body)),
      outputTokens: Number(output),
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it('asks a chat completions stream for its usage and meters it', async () => {
    const fake = await track(startFakeChat({ turns: [], apiKey: REAL_OPENAI }));
    const proxy = await startProxy(openaiUpstream(fake));
    const body = { model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: 'title please' }] };
    const res = await post(`${proxy.url}/broker/openai/v1/chat/completions`, body);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    // The agent sent its token as x-api-key; only the real Bearer key goes on.
    expect(fake.requests[0]!.headers['x-api-key']).toBeUndefined();
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${REAL_OPENAI}`);
    const forwarded = fake.requests[0]!.body as Record<string, unknown>;
    expect(forwarded).toEqual({ ...body, stream_options: { include_usage: true } });
    await until(() => proxy.usage.length === 1);
    expect(proxy.usage[0]).toMatchObject({
      provider: 'openai',
      model: 'gpt-4.1',
      inputTokens: estimateTokens(JSON.stringify(forwarded)),
    });
  });

  it('meters a non-streamed chat completion from its JSON body', async () => {
    const fake = await track(startFakeChat({ turns: [], apiKey: REAL_OPENAI }));
    const proxy = await startProxy(openaiUpstream(fake));
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] };
    const res = await post(`${proxy.url}/broker/openai/v1/chat/completions`, body);
    const json = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    expect(fake.requests[0]!.body).toEqual(body);
    await until(() => proxy.usage.length === 1);
    expect(proxy.usage[0]).toMatchObject({
      model: 'gpt-4o-mini',
      inputTokens: json.usage.prompt_tokens,
      outputTokens: json.usage.completion_tokens,
    });
  });
});

describe('model proxy: streaming', () => {
  it('passes each event on as it arrives, before the upstream has finished', async () => {
    let release!: () => void;
    const afterFirst = new Promise<void>((r) => (release = r));
    const fake = await track(startFakeAnthropic({ turns: ['streamed'], apiKey: REAL_ANTHROPIC, pace: { afterFirst } }));
    cleanups.push(() => release());
    const proxy = await startProxy(anthropicUpstream(fake));
    const res = await post(`${proxy.url}/broker/anthropic/v1/messages`, messages(true));
    const reader = res.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    const first = new TextDecoder().decode((await reader.read()).value);
    // The upstream is still holding the rest of the stream back.
    expect(first).toContain('event: message_start');
    expect(first).not.toContain('message_stop');
    expect(fake.unfinished).toEqual([]);
    expect(proxy.usage).toEqual([]);
    release();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(rest).toContain('event: message_stop');
    await until(() => proxy.usage.length === 1);
  });

  it('aborts the upstream request when the agent disconnects, and meters what was used', async () => {
    const afterFirst = new Promise<void>(() => {});
    const fake = await track(startFakeAnthropic({ turns: ['never'], apiKey: REAL_ANTHROPIC, pace: { afterFirst } }));
    const proxy = await startProxy(anthropicUpstream(fake));
    const abort = new AbortController();
    const res = await fetch(`${proxy.url}/broker/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify(messages(true)),
      signal: abort.signal,
    });
    const reader = res.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('message_start');
    abort.abort();
    await until(() => fake.unfinished.length === 1);
    // The input was billed once message_start came: the usage seen so far is reported.
    await until(() => proxy.usage.length === 1);
    expect(proxy.usage[0]).toMatchObject({ inputTokens: estimateTokens(JSON.stringify(messages(true))) });
  });
  it('reads the upstream no faster than the agent reads the proxy (backpressure)', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let written = 0;
    let done = false;
    // An upstream with 64 MiB to send, writing only when its socket drains.
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = (): void => {
        while (written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        done = true;
        res.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          upstream.closeAllConnections();
          upstream.close(() => resolve());
        }),
    );
    const baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const proxy = await startProxy({ anthropic: { baseUrl, headers: { 'x-api-key': REAL_ANTHROPIC } } });
    const abort = new AbortController();
    cleanups.push(() => abort.abort());
    const res = await fetch(`${proxy.url}/broker/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify(messages(true)),
      signal: abort.signal,
    });
    const reader = res.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    await reader.read();
    // The agent stops reading: what the upstream could write is bounded by socket and stream buffers.
    await new Promise((r) => setTimeout(r, 300));
    const stalled = written;
    await new Promise((r) => setTimeout(r, 200));
    expect(written).toBe(stalled);
    expect(done).toBe(false);
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  it('aborts the upstream request when the agent leaves before the upstream answered', async () => {
    const fake = await track(
      startFakeAnthropic({ turns: ['late'], apiKey: REAL_ANTHROPIC, pace: { firstMs: 60_000 } }),
    );
    const proxy = await startProxy(anthropicUpstream(fake));
    const abort = new AbortController();
    const pending = fetch(`${proxy.url}/broker/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify(messages(true)),
      signal: abort.signal,
    });
    await until(() => fake.requests.length === 1);
    abort.abort();
    await expect(pending).rejects.toThrow();
    await until(() => fake.unfinished.length === 1);
    expect(proxy.usage).toEqual([]);
  });
});

describe('model proxy: refusals and faults', () => {
  it('answers a missing, unknown or revoked token with 401 in the provider shape, forwarding nothing', async () => {
    const anthropic = await track(startFakeAnthropic({ turns: [], apiKey: REAL_ANTHROPIC }));
    const openai = await track(startFakeResponses({ turns: [], apiKey: REAL_OPENAI }));
    const proxy = await startProxy({ ...anthropicUpstream(anthropic), ...openaiUpstream(openai) });
    const noToken = await post(`${proxy.url}/broker/anthropic/v1/messages`, messages(false), {});
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: expect.stringContaining('capability token') },
    });
    const wrong = await post(
      `${proxy.url}/broker/openai/v1/responses`,
      { input: [] },
      { authorization: 'Bearer nope' },
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key' } });
    // The real key itself is no capability either.
    const realKey = await post(`${proxy.url}/broker/anthropic/v1/messages`, messages(false), {
      'x-api-key': REAL_ANTHROPIC,
    });
    expect(realKey.status).toBe(401);
    expect(anthropic.requests).toEqual([]);
    expect(openai.requests).toEqual([]);
  });

  it('refuses with 429 and the admit message when the grant may not call the model, forwarding nothing', async () => {
    const fake = await track(startFakeChat({ turns: [], apiKey: REAL_OPENAI }));
    const message = 'cost limit of $1.00 per run reached ($1.02 spent)';
    const proxy = await startProxy(openaiUpstream(fake), { admit: async () => message });
    const res = await post(`${proxy.url}/broker/openai/v1/chat/completions`, { messages: [] });
    expect(res.status).toBe(429);
    expect(res.headers.get('x-should-retry')).toBe('false');
    expect(await res.json()).toEqual({
      error: { message, type: 'insufficient_quota', param: null, code: 'insufficient_quota' },
    });
    expect(fake.requests).toEqual([]);
  });

  it('passes an upstream 401 on unchanged and reports it', async () => {
    const fake = await track(startFakeResponses({ turns: [], apiKey: REAL_OPENAI }));
    const proxy = await startProxy(openaiUpstream(fake, 'sk-revoked'));
    const res = await post(`${proxy.url}/broker/openai/v1/responses`, { model: 'gpt-5', input: [] });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await res.json()).toEqual({
      error: {
        message: 'Incorrect API key provided.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    expect(fake.requests).toHaveLength(1);
    expect(proxy.upstreamErrors).toEqual([['openai', 401]]);
    expect(proxy.usage).toEqual([]);
  });

  it('passes upstream 429 (with retry-after) and 500 on unchanged', async () => {
    const overloaded = { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } };
    let calls = 0;
    const fake = await track(
      startFakeAnthropic({
        turns: [],
        apiKey: REAL_ANTHROPIC,
        fault: () =>
          ++calls === 1
            ? {
                status: 429,
                headers: { 'retry-after': '17', 'anthropic-ratelimit-requests-remaining': '0' },
                body: overloaded,
              }
            : { status: 500, body: { type: 'error', error: { type: 'api_error', message: 'boom' } } },
      }),
    );
    const proxy = await startProxy(anthropicUpstream(fake));
    const limited = await post(`${proxy.url}/broker/anthropic/v1/messages`, messages(true));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('17');
    expect(limited.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(await limited.json()).toEqual(overloaded);
    const failed = await post(`${proxy.url}/broker/anthropic/v1/messages`, messages(true));
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ type: 'error', error: { type: 'api_error', message: 'boom' } });
    expect(proxy.upstreamErrors).toEqual([
      ['anthropic', 429],
      ['anthropic', 500],
    ]);
  });

  it('answers 502 in the provider shape when the upstream is unreachable', async () => {
    const fake = await startFakeChat({ turns: [] });
    await fake.close();
    const proxy = await startProxy(openaiUpstream(fake));
    const res = await post(`${proxy.url}/broker/openai/v1/chat/completions`, { messages: [] });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { type: 'server_error', message: expect.any(String) } });
  });

  it('refuses a body over the limit with 413 and invalid JSON with 400, forwarding nothing', async () => {
    const fake = await track(startFakeAnthropic({ turns: [], apiKey: REAL_ANTHROPIC }));
    const proxy = await startProxy(anthropicUpstream(fake), { maxBodyBytes: 1024 });
    const big = { ...messages(false), messages: [{ role: 'user', content: 'x'.repeat(4096) }] };
    const tooLarge = await post(`${proxy.url}/broker/anthropic/v1/messages`, big);
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    const invalid = await post(`${proxy.url}/broker/anthropic/v1/messages`, '{"model":');
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(fake.requests).toEqual([]);
  });

  it('answers 404 for paths outside the supported APIs, and leaves other paths to other handlers', async () => {
    const anthropic = await track(startFakeAnthropic({ turns: [], apiKey: REAL_ANTHROPIC }));
    const openai = await track(startFakeResponses({ turns: [], apiKey: REAL_OPENAI }));
    const proxy = await startProxy({ ...anthropicUpstream(anthropic), ...openaiUpstream(openai) });
    const models = await fetch(`${proxy.url}/broker/openai/v1/models`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(models.status).toBe(404);
    expect(await models.json()).toMatchObject({ error: { code: 'not_found' } });
    const files = await post(`${proxy.url}/broker/openai/v1/files`, {});
    expect(files.status).toBe(404);
    const legacy = await post(`${proxy.url}/broker/anthropic/v1/complete`, {});
    expect(legacy.status).toBe(404);
    const batches = await post(`${proxy.url}/broker/anthropic/v1/messages/batches`, messages(false));
    expect(batches.status).toBe(404);
    expect(await batches.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(anthropic.requests).toEqual([]);
    expect(openai.requests).toEqual([]);
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(418);
    expect((await fetch(`${proxy.url}/brokerx/anthropic/v1/messages`)).status).toBe(418);
  });

  it('answers 500 in the provider shape when the app cannot check the token, forwarding nothing', async () => {
    const fake = await track(startFakeAnthropic({ turns: [], apiKey: REAL_ANTHROPIC }));
    const proxy = await startProxy(anthropicUpstream(fake), {
      authorize: () => Promise.reject(new Error('store down')),
    });
    const res = await post(`${proxy.url}/broker/anthropic/v1/messages`, messages(false));
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(fake.requests).toEqual([]);
  });

  it('meters a gateway that compresses despite being asked not to, passing the bytes on unchanged', async () => {
    const message = {
      type: 'message',
      model: 'claude-haiku-4-5',
      content: [{ type: 'text', text: 'hi' }],
      usage: { input_tokens: 11, output_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    };
    const gzipped = gzipSync(JSON.stringify(message));
    let seenUrl: string | undefined;
    const gateway = createServer((req, res) => {
      seenUrl = req.url;
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipped);
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => gateway.close(() => resolve())));
    const baseUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    const proxy = await startProxy({ anthropic: { baseUrl, headers: { 'x-api-key': REAL_ANTHROPIC } } });
    const res = await post(`${proxy.url}/broker/anthropic/v1/messages?beta=true`, messages(false));
    expect(res.status).toBe(200);
    expect(seenUrl).toBe('/v1/messages?beta=true');
    // fetch decompresses: the agent got the gateway's gzip body as sent.
    expect(await res.json()).toEqual(message);
    await until(() => proxy.usage.length === 1);
    expect(proxy.usage[0]).toMatchObject({ model: 'claude-haiku-4-5', inputTokens: 11, outputTokens: 3 });
  });

  it('refuses a provider the app has no upstream for', async () => {
    const proxy = await startProxy({});
    const res = await post(`${proxy.url}/broker/openai/v1/responses`, { input: [] });
    expect(res.status).toBe(404);
  });
});
