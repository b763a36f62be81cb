/**
 * Benchmark: the model proxy's cost on a streamed answer. A fake Anthropic upstream streams 20
 * SSE events a few milliseconds apart; the same request goes straight to it and through the
 * proxy (capability check, header rewrite, usage read on the way), alternating, over keep-alive
 * connections. Reports time to first byte and total time (p50/p95) and their ratios, then the
 * process RSS while 20 streams run through the proxy at once. Everything runs in this one
 * process, so the RSS includes the fake upstream and the client.
 *
 * `npm run bench` runs it as its section (e) through {@link benchBroker}; alone:
 *
 *   npx tsx bench/broker.ts [requests=50] [eventGapMs=3] [concurrent=20] [firstTokenMs=0]
 *
 * firstTokenMs makes the upstream wait before its first event, as a real model does (hundreds
 * of milliseconds): with 0 the time to first byte is the bare loopback round trip.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { modelProxy } from '../src/broker/model-proxy.js';
import type { Grant, MeteredUsage } from '../src/broker/types.js';
import { startFakeAnthropic, type FakeBlock } from '../test/fakes/anthropic-server.js';

export interface BrokerBenchOptions {
  /** Measured requests each way (after 5 unmeasured ones each way). */
  requests: number;
  /** Milliseconds between the upstream's SSE events. */
  gapMs: number;
  /** Streams through the proxy at once for the RSS figure. */
  concurrent: number;
  /** Milliseconds before the upstream's first event. */
  firstTokenMs: number;
}

/** Milliseconds, direct and through the proxy. */
export interface Percentiles {
  p50: number;
  p95: number;
}

export interface BrokerBenchResult {
  options: BrokerBenchOptions;
  ttfb: { direct: Percentiles; proxy: Percentiles };
  total: { direct: Percentiles; proxy: Percentiles };
  rss: { beforeMB: number; peakMB: number };
  /** Of the `concurrent` streams, how many had their usage metered by the proxy. */
  meteredConcurrent: number;
}

const TOKEN = 'cap_bench';
const REAL_KEY = 'sk-ant-bench';

interface Timing {
  ttfb: number;
  total: number;
  events: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** Runs the measurement in this process and returns its figures. */
export async function benchBroker(options: BrokerBenchOptions): Promise<BrokerBenchResult> {
  const { requests, gapMs, concurrent, firstTokenMs } = options;
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

  const stream = (base: string, key: string): Promise<Timing> =>
    new Promise((resolve, reject) => {
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

  try {
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
    const both = (pick: (t: Timing) => number) => ({
      direct: { p50: pct(direct.map(pick), 50), p95: pct(direct.map(pick), 95) },
      proxy: { p50: pct(proxied.map(pick), 50), p95: pct(proxied.map(pick), 95) },
    });

    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const metered = usage.length;
    await Promise.all(Array.from({ length: concurrent }, () => stream(proxyUrl, TOKEN)));
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const mb = (n: number) => n / 1024 / 1024;
    return {
      options,
      ttfb: both((t) => t.ttfb),
      total: both((t) => t.total),
      rss: { beforeMB: mb(baseline), peakMB: mb(peak) },
      meteredConcurrent: usage.length - metered,
    };
  } finally {
    agent.destroy();
    proxy.closeAllConnections();
    proxy.close();
    await fake.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [requestsArg, gapArg, concurrentArg, firstArg] = process.argv.slice(2);
  const r = await benchBroker({
    requests: Number(requestsArg ?? 50),
    gapMs: Number(gapArg ?? 3),
    concurrent: Number(concurrentArg ?? 20),
    firstTokenMs: Number(firstArg ?? 0),
  });
  const { requests, gapMs, concurrent, firstTokenMs } = r.options;
  const row = (label: string, d: Percentiles, p: Percentiles) =>
    console.log(
      `${label.padEnd(6)} direct p50 ${d.p50.toFixed(2)} ms p95 ${d.p95.toFixed(2)} ms | proxy p50 ${p.p50.toFixed(2)} ms ` +
        `p95 ${p.p95.toFixed(2)} ms | ratio p50 ${(p.p50 / d.p50).toFixed(3)}x p95 ${(p.p95 / d.p95).toFixed(3)}x ` +
        `(+${(p.p50 - d.p50).toFixed(2)} ms at p50)`,
    );
  console.log(
    `${requests} streamed requests (26 kB body) of 20 SSE events ${gapMs} ms apart, first after ${firstTokenMs} ms, ` +
      'direct vs. through the proxy',
  );
  row('TTFB', r.ttfb.direct, r.ttfb.proxy);
  row('total', r.total.direct, r.total.proxy);
  console.log(
    `RSS with ${concurrent} concurrent proxied streams: peak ${r.rss.peakMB.toFixed(1)} MB (before ` +
      `${r.rss.beforeMB.toFixed(1)} MB, +${(r.rss.peakMB - r.rss.beforeMB).toFixed(1)} MB); usage metered for ` +
      `${r.meteredConcurrent}/${concurrent}`,
  );
}
