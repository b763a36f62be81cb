import { createServer, type Server } from 'node:http';
import { Probot, type ProbotOctokit } from 'probot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appOctokit } from '../../src/github/app-octokit.js';
import { ACKNOWLEDGEMENT, type GitHub } from '../../src/github/octokit.js';
import { createThrottledWriter } from '../../src/github/progress.js';
import { StatusComment } from '../../src/github/status-comment.js';
import { WriteQueues } from '../../src/github/write-queue.js';
import { captureLogger, privateKey } from '../helpers/probot.js';

describe('WriteQueues', () => {
  afterEach(() => void vi.useRealTimers());

  /** Runs `queues` under fake timers, noting when each write is sent (ms since the start). */
  function recorder() {
    vi.useFakeTimers();
    const t0 = Date.now();
    const sent: string[] = [];
    const at: Record<string, number> = {};
    const send = (name: string, answer?: () => unknown) => async () => {
      sent.push(name);
      at[name] = Date.now() - t0;
      return answer ? answer() : name;
    };
    return { sent, at, send };
  }

  it('paces each installation on its own: a burst in one does not delay another', async () => {
    const { at, send } = recorder();
    const queues = new WriteQueues({ intervalMs: 1_000 });
    const burst = Array.from({ length: 10 }, (_, i) => queues.schedule(1, send(`a${i}`)));
    const other = queues.schedule(2, send('b-ack'), { acknowledgement: true });
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all([...burst, other]);
    expect(at['b-ack']).toBe(0);
    // One second apart within installation 1.
    expect(Array.from({ length: 10 }, (_, i) => at[`a${i}`])).toEqual([
      0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000,
    ]);
  });

  it('counts the second from the end of a write: a slow write does not eat into the spacing of the next', async () => {
    const { at, send } = recorder();
    const queues = new WriteQueues({ intervalMs: 1_000 });
    const slow = queues.schedule(1, async () => {
      await new Promise((r) => setTimeout(r, 300)); // GitHub answering in 300 ms
      return send('slow')();
    });
    const next = queues.schedule(1, send('next'));
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all([slow, next]);
    // Started a second after the slow one's start, it could reach GitHub less than a second after it.
    expect(at.next).toBe(1_300);
  });

  it('sends an acknowledgement ahead of the background writes waiting in its installation', async () => {
    const { sent, at, send } = recorder();
    const queues = new WriteQueues({ intervalMs: 1_000 });
    const background = Array.from({ length: 5 }, (_, i) => queues.schedule(1, send(`commit${i}`)));
    await vi.advanceTimersByTimeAsync(10);
    const reaction = queues.schedule(1, send('reaction'), { acknowledgement: true });
    const status = queues.schedule(1, send('status'), { acknowledgement: true });
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all([...background, reaction, status]);
    expect(sent).toEqual(['commit0', 'reaction', 'status', 'commit1', 'commit2', 'commit3', 'commit4']);
    expect(at.reaction).toBe(1000);
    expect(at.status).toBe(2000);
  });

  it('holds an installation for `retry-after` after a secondary rate limit and sends the write again', async () => {
    const { sent, at, send } = recorder();
    const queues = new WriteQueues({ intervalMs: 1_000 });
    let refused = false;
    const limited = Object.assign(new Error('You have exceeded a secondary rate limit'), {
      status: 403,
      response: { headers: { 'retry-after': '5' } },
    });
    const first = queues.schedule(
      1,
      send('comment', () => {
        if (refused) return 'ok';
        refused = true;
        throw limited;
      }),
    );
    const next = queues.schedule(1, send('edit'));
    const elsewhere = queues.schedule(2, send('other'));
    await vi.advanceTimersByTimeAsync(20_000);
    await expect(first).resolves.toBe('ok');
    await Promise.all([next, elsewhere]);
    expect(sent).toEqual(['comment', 'other', 'comment', 'edit']);
    expect(at.other).toBe(0);
    expect(at.comment).toBe(5000); // the second attempt
    expect(at.edit).toBe(6000);
  });

  it('gives up after the retries and rejects with GitHub’s error', async () => {
    const { send } = recorder();
    const queues = new WriteQueues({ intervalMs: 1_000, maxRetries: 1, fallbackRetryAfterSeconds: 2 });
    const limited = Object.assign(new Error('You have exceeded a secondary rate limit'), {
      status: 403,
      response: { headers: {} },
    });
    const write = queues.schedule(
      1,
      send('x', () => {
        throw limited;
      }),
    );
    const settled = expect(write).rejects.toBe(limited);
    await vi.advanceTimersByTimeAsync(5_000);
    await settled;
  });

  it('never sends a write superseded while it waits, and rejects it with the reason', async () => {
    const { sent, send } = recorder();
    const queues = new WriteQueues({ intervalMs: 1_000 });
    const busy = queues.schedule(1, send('commit'));
    const superseded = new AbortController();
    const stale = queues.schedule(1, send('stale edit'), { superseded: superseded.signal });
    const reason = new Error('newer body');
    superseded.abort(reason);
    await expect(stale).rejects.toBe(reason);
    await vi.advanceTimersByTimeAsync(2_000);
    await busy;
    expect(sent).toEqual(['commit']);
  });
});

/**
 * GitHub over real HTTP with its per-installation write spacing enforced: a write of an
 * installation (known by its token) that arrives much sooner than `spacingMs` after its
 * previous one (a quarter is left for the jitter between sending and arriving) is refused with
 * a secondary rate limit, as GitHub may.
 */
async function standIn(spacingMs: number) {
  const writes: { installation: string; method: string; path: string; at: number; body: unknown }[] = [];
  const refused: string[] = [];
  const lastWrite = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      const token = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
      if (token)
        return json(201, {
          token: `ghs_installation${token[1]}`,
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        });
      const installation = /ghs_installation(\d+)/.exec(req.headers.authorization ?? '')?.[1] ?? '?';
      if (req.method === 'GET') return json(200, {});
      const now = performance.now();
      const last = lastWrite.get(installation);
      if (last !== undefined && now - last < spacingMs * 0.75) {
        refused.push(`${installation} ${req.method} ${path}`);
        return json(403, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': '1' });
      }
      lastWrite.set(installation, now);
      writes.push({ installation, method: req.method!, path, at: now, body: raw ? JSON.parse(raw) : undefined });
      json(req.method === 'POST' ? 201 : 200, { id: writes.length });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { baseUrl: `http://127.0.0.1:${port}`, writes, refused, close: () => server.close() };
}

describe('the app’s Octokit, throttling on, against a GitHub that enforces write spacing', () => {
  const SPACING = 400;
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  async function probotWith(Octokit: typeof ProbotOctokit, baseUrl: string) {
    const probot = new Probot({ appId: 1, privateKey, secret: 's', baseUrl, log: captureLogger().log, Octokit });
    // The client of a webhook handler, as Probot makes it for each delivery.
    const handlers: Record<number, GitHub> = {};
    probot.on('issues.labeled', (context) => void (handlers[context.payload.installation!.id] = context.octokit));
    for (const id of [1, 2])
      await probot.receive({
        id: `d${id}`,
        name: 'issues',
        payload: { action: 'labeled', installation: { id } } as never,
      });
    return { probot, handlers };
  }

  const comment = (gh: GitHub, n: number, request?: object) =>
    gh.rest.issues.createComment({
      owner: 'o',
      repo: 'r',
      issue_number: n,
      body: `#${n}`,
      ...(request && { request }),
    });

  it('acknowledges in one installation at once while another has a burst of writes waiting', async () => {
    const gh = await standIn(SPACING);
    close = gh.close;
    const { probot, handlers } = await probotWith(appOctokit({ writes: { intervalMs: SPACING } }), gh.baseUrl);
    const worker1 = await probot.auth(1);
    // Tokens first, so that only writes are timed.
    await Promise.all([worker1.request('GET /x'), handlers[1]!.request('GET /x'), handlers[2]!.request('GET /x')]);

    const t0 = performance.now();
    // Installation 1: eight triggers acknowledged by its handlers and a run's commits, all at once.
    const burst = [
      ...Array.from({ length: 4 }, (_, i) => comment(handlers[1]!, i + 1, ACKNOWLEDGEMENT)),
      ...Array.from({ length: 4 }, (_, i) => worker1.rest.git.createBlob({ owner: 'o', repo: 'r', content: `${i}` })),
    ];
    await new Promise((r) => setTimeout(r, 50));
    // Installation 2's 👀 and status comment.
    const ack2 = Promise.all([
      handlers[2]!.rest.reactions.createForIssue({
        owner: 'o',
        repo: 'r',
        issue_number: 9,
        content: 'eyes',
        request: ACKNOWLEDGEMENT,
      }),
      comment(handlers[2]!, 9, ACKNOWLEDGEMENT),
    ]).then(() => performance.now() - t0 - 50);
    const ackMs = await ack2;
    await Promise.all(burst);
    const total = performance.now() - t0;

    // Installation 2 waited for none of installation 1's writes: its two writes took one spacing.
    expect(ackMs).toBeLessThan(SPACING + 300);
    // Installation 1's eight writes were spaced (no secondary limit anywhere), acknowledgements first.
    expect(gh.refused).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(7 * SPACING - 50);
    const ones = gh.writes.filter((w) => w.installation === '1').map((w) => w.path);
    expect(ones).toHaveLength(8);
    expect(ones.slice(-3)).toEqual(Array(3).fill('/repos/o/r/git/blobs'));
  }, 20_000);

  it('sends only the latest of three quick progress updates when the edit waits behind other writes', async () => {
    const gh = await standIn(SPACING);
    close = gh.close;
    const { probot } = await probotWith(appOctokit({ writes: { intervalMs: SPACING } }), gh.baseUrl);
    const worker = await probot.auth(1);
    await worker.request('GET /x');
    const status = new StatusComment(
      worker,
      { owner: 'o', repo: 'r', issueNumber: 1, commentId: async () => 1001 },
      'claude',
    );
    const writer = createThrottledWriter({
      write: (body, superseded) => status.write(body, false, superseded),
      minIntervalMs: 0,
    });
    // The run's commit writes are queued first; three progress updates come while they wait.
    const commits = Array.from({ length: 3 }, (_, i) =>
      worker.rest.git.createBlob({ owner: 'o', repo: 'r', content: `${i}` }),
    );
    writer.update('phase 1');
    await new Promise((r) => setTimeout(r, 20));
    writer.update('phase 2');
    await new Promise((r) => setTimeout(r, 20));
    writer.update('phase 3');
    await Promise.all(commits);
    await vi.waitFor(() => expect(gh.writes.filter((w) => w.method === 'PATCH')).toHaveLength(1), { timeout: 5_000 });
    await writer.flush('done');
    const edits = gh.writes.filter((w) => w.method === 'PATCH').map((w) => (w.body as { body: string }).body);
    expect(edits).toEqual(['phase 3', 'done']);
    expect(gh.refused).toEqual([]);
  }, 20_000);
});
