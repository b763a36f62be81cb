import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WriteQueues } from '../../src/github/write-queue.js';
import { RunnerProcess } from '../../src/runner-link.js';
import { root, waitFor } from '../helpers/app-process.js';

/**
 * The link between the app and its runner process, both real processes: the runner's GitHub
 * writes (here POSTs to a local server standing in for GitHub) take their turn in the app's
 * per-installation queues. The runner is test/fixtures/runner-link/writer.ts: the real runner
 * side of the link around a runner that runs no job.
 */
const WRITER = join(root, 'test/fixtures/runner-link/writer.ts');
const SPACING_MS = 400;

interface Arrival {
  label: string;
  at: number;
}

describe('the runner process link', () => {
  let server: Server | undefined;
  let runner: RunnerProcess | undefined;
  afterEach(async () => {
    await runner?.stop(0);
    runner = undefined;
    await new Promise((r) => server?.close(r));
  });

  /** The GitHub stand-in: records each write; answers `refuse` labels once with a secondary rate limit, never answers `hang`. */
  async function github(refuse = new Set<string>()) {
    const arrivals: Arrival[] = [];
    const done: unknown[][] = [];
    server = createServer((req, res: ServerResponse) => {
      const label = (req.url ?? '').slice(1);
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (label === 'done') {
          done.push(JSON.parse(body) as unknown[]);
          return res.writeHead(204).end();
        }
        arrivals.push({ label, at: Date.now() });
        if (label === 'hang') return;
        if (refuse.delete(label))
          return res
            .writeHead(403, { 'retry-after': '1' })
            .end('You have exceeded a secondary rate limit. Please wait a few minutes before you try again.');
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, arrivals, done };
  }

  function startRunner(url: string, plan: { installationId: number; label: string }[], queues: WriteQueues) {
    process.env.RUNNER_LINK_URL = url;
    process.env.RUNNER_LINK_PLAN = JSON.stringify(plan);
    runner = new RunnerProcess({
      entry: WRITER,
      queues,
      log: pino({ level: 'silent' }),
      restartDelayMs: 50,
      execArgv: ['--import', 'tsx'],
    });
    runner.start();
    return runner;
  }

  const post = (url: string, label: string) => async () => (await fetch(`${url}/${label}`, { method: 'POST' })).status;

  it("spaces an installation's writes from both processes as one queue, the app's acknowledgement ahead of the runner's waiting writes; another installation is not held up", async () => {
    const gh = await github();
    const queues = new WriteQueues({ intervalMs: SPACING_MS });
    startRunner(
      gh.url,
      [
        { installationId: 1, label: 'r1' },
        { installationId: 1, label: 'r2' },
        { installationId: 1, label: 'r3' },
        { installationId: 2, label: 'other' },
      ],
      queues,
    );
    await waitFor("the runner's first write", () => gh.arrivals.some((a) => a.label === 'r1'), 20_000);
    // The trigger's acknowledgement, posted by the app itself while the runner's writes wait.
    expect(await queues.schedule(1, post(gh.url, 'ack'), { acknowledgement: true })).toBe(201);
    await waitFor('the runner to finish', () => gh.done.length === 1);

    expect(gh.done[0]).toEqual([201, 201, 201, 201]);
    const first = gh.arrivals.filter((a) => a.label !== 'other');
    expect(first.map((a) => a.label)).toEqual(['r1', 'ack', 'r2', 'r3']);
    for (let i = 1; i < first.length; i++)
      expect(first[i]!.at - first[i - 1]!.at).toBeGreaterThanOrEqual(SPACING_MS - 5);
    const other = gh.arrivals.find((a) => a.label === 'other')!;
    expect(Math.abs(other.at - first[0]!.at)).toBeLessThan(SPACING_MS);
  }, 30_000);

  it("a secondary rate limit on a runner's write holds the installation for retry-after, then the runner sends it again", async () => {
    const gh = await github(new Set(['r1']));
    const queues = new WriteQueues({ intervalMs: 50 });
    startRunner(gh.url, [{ installationId: 1, label: 'r1' }], queues);
    await waitFor('the runner to finish', () => gh.done.length === 1, 20_000);

    expect(gh.done[0]).toEqual([201]);
    const tries = gh.arrivals.filter((a) => a.label === 'r1');
    expect(tries).toHaveLength(2);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(1_000 - 5);
  }, 30_000);

  it('a runner that dies in the middle of a write leaves no installation stalled, and is started again', async () => {
    const gh = await github();
    const queues = new WriteQueues({ intervalMs: 50 });
    const link = startRunner(gh.url, [{ installationId: 1, label: 'hang' }], queues);
    await waitFor('the hanging write', () => gh.arrivals.some((a) => a.label === 'hang'), 20_000);
    process.env.RUNNER_LINK_PLAN = '[]'; // the runner started again writes nothing
    const first = link.pid!;
    process.kill(first, 'SIGKILL');

    // The installation's queue goes on: the app's next write there is sent.
    expect(await queues.schedule(1, post(gh.url, 'after'))).toBe(201);
    await waitFor('a new runner', () => gh.done.length === 1 && link.pid !== undefined && link.pid !== first, 20_000);
    expect(gh.done[0]).toEqual([]);
  }, 30_000);
});
