/**
 * Benchmark: the model proxy's cost on a streamed answer. A fake Anthropic upstream streams 20
 * SSE events a few milliseconds apart; the same request goes straight to it and through the
 * proxy (capability check, header rewrite, usage read on the way), alternating, over keep-alive
 * connections. Reports time to first byte and total time (p50/p95) and their ratios, then the
 * process RSS while 20 streams run through the proxy at once. Everything runs in this one
 * process, so the RSS includes the fake upstream and the client.
 *
 *   npx tsx bench/broker.ts [requests=50] [eventGapMs=3] [concurrent=20] [firstTokenMs=0]
 *
 * firstTokenMs makes the upstream wait before its first event, as a real model does (hundreds
 * of milliseconds): with 0 the time to first byte is the bare loopback round trip.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { modelProxy } from '../src/broker/model-proxy.js';
import type { Grant, MeteredUsage } from '../src/broker/types.js';
import { startFakeAnthropic, type FakeBlock } from '../test/fakes/anthropic-server.js';

const [requestsArg, gapArg, concurrentArg, firstArg] = process.argv.slice(2);
const requests = Number(requestsArg ?? 50);
const gapMs = Number(gapArg ?? 3);
const concurrent = Number(concurrentArg ?? 20);
const firstTokenMs = Number(firstArg ?? 0);
const TOKEN = 'cap_bench';
const REAL_KEY = 'sk-ant-bench';

// message_start, ping, 4 text blocks of 4 events each, message_delta, message_stop: 20 events.
const blocks: FakeBlock[] = [1, 2, 3, 4].map((i) => ({ type: 'text', text: `Paragraph ${i}. `.repeat(40) }));
const fake = await startFakeAnthropic({
  turns: [blocks],
  apiKey: REAL_KEY,
  pace: { delayMs: gapMs, firstMs: firstTokenMs },
});

const grant: Grant = { jobId: 'bench', installationId: 1, repo: { owner: 'o', name: 'r', cloneUrl: '' } };
const usage: MeteredUsage[] = [];
const handle = modelProxy({
  authorize: (token) => Promise.resolve(token === TOKEN ? grant : undefined),
  admit: () => Promise.resolve(undefined),
  onUsage: (_g, u) => usage.push(u),
  upstreams: { anthropic: { baseUrl: fake.url, headers: { 'x-api-key': REAL_KEY } } },
  log: pino({ level: 'silent' }),
});
const proxy = http.createServer((req, res) => {
  void handle(req, res).then((handled) => {
    if (!handled) res.writeHead(404).end();
  });
});
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/broker/anthropic`;

const body = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 4096,
  stream: true,
  tools: [{ name: 'bash', input_schema: { type: 'object' } }],
  messages: [{ role: 'user', content: 'Fix the bug. '.repeat(2000) }],
});
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Timing {
  ttfb: number;
  total: number;
  events: number;
}

function stream(base: string, key: string): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let ttfb = 0;
    let events = 0;
    const req = http.request(`${base}/v1/messages`, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-api-key': key,
        'anthropic-version': '2023-06-01',
      },
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
      res.on('data', (chunk: Buffer) => {
        if (!ttfb) ttfb = performance.now() - start;
        events += chunk.toString('utf8').split('\n\n').length - 1;
      });
      res.on('end', () => resolve({ ttfb, total: performance.now() - start, events }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

for (let i = 0; i < 5; i++) {
  await stream(fake.url, REAL_KEY);
  await stream(proxyUrl, TOKEN);
}
const direct: Timing[] = [];
const proxied: Timing[] = [];
for (let i = 0; i < requests; i++) {
  direct.push(await stream(fake.url, REAL_KEY));
  proxied.push(await stream(proxyUrl, TOKEN));
}
if (proxied.some((t) => t.events !== 20)) throw new Error('a proxied stream did not carry 20 events');

const row = (label: string, pick: (t: Timing) => number) => {
  const d = direct.map(pick);
  const p = proxied.map(pick);
  const [d50, d95, p50, p95] = [pct(d, 50), pct(d, 95), pct(p, 50), pct(p, 95)];
  console.log(
    `${label.padEnd(6)} direct p50 ${d50.toFixed(2)} ms p95 ${d95.toFixed(2)} ms | proxy p50 ${p50.toFixed(2)} ms ` +
      `p95 ${p95.toFixed(2)} ms | ratio p50 ${(p50 / d50).toFixed(3)}x p95 ${(p95 / d95).toFixed(3)}x ` +
      `(+${(p50 - d50).toFixed(2)} ms at p50)`,
  );
};
console.log(
  `${requests} streamed requests (26 kB body) of 20 SSE events ${gapMs} ms apart, first after ${firstTokenMs} ms, ` +
    'direct vs. through the proxy',
);
row('TTFB', (t) => t.ttfb);
row('total', (t) => t.total);

global.gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
const metered = usage.length;
await Promise.all(Array.from({ length: concurrent }, () => stream(proxyUrl, TOKEN)));
clearInterval(sampler);
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
console.log(
  `RSS with ${concurrent} concurrent proxied streams: peak ${mb(peak)} MB (before ${mb(baseline)} MB, ` +
    `+${mb(peak - baseline)} MB); usage metered for ${usage.length - metered}/${concurrent}`,
);

agent.destroy();
proxy.closeAllConnections();
proxy.close();
await fake.close();
