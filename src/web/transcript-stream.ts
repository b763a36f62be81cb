import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JobStore } from '../jobs/store/types.js';

/**
 * A run's transcript as Server-Sent Events: every entry after `after` (`entry` events whose id is
 * the entry's seq, so a reconnecting browser resumes with Last-Event-ID), then new ones as the
 * store gets them, until the run is no longer active: then `end`. Reading the store (not this
 * process's memory) makes it work whichever replica runs the job.
 */
export async function streamTranscript(
  req: IncomingMessage,
  res: ServerResponse,
  o: {
    store: JobStore;
    jobId: string;
    after: number;
    pollMs?: number;
    /** Ends the stream (the app shutting down: an open stream would hold the server open). */
    signal: AbortSignal;
    /** A stream ends after this long anyway (the browser reconnects where it was). */
    maxMs?: number;
  },
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let closed = false;
  req.on('close', () => (closed = true));
  const until = Date.now() + (o.maxMs ?? 10 * 60_000);
  let after = o.after;
  let quietSince = Date.now();
  res.write('retry: 2000\n\n');
  while (!closed && !o.signal.aborted && Date.now() < until) {
    // Whether it was active before reading: entries written just before it ended are still sent.
    const active = await o.store.isActive(o.jobId);
    const entries = await o.store.transcript(o.jobId, after, 500);
    for (const e of entries) res.write(`id: ${e.seq}\nevent: entry\ndata: ${JSON.stringify(e)}\n\n`);
    if (entries.length > 0) {
      after = entries.at(-1)!.seq;
      quietSince = Date.now();
      continue;
    }
    if (!active) {
      res.end('event: end\ndata: {}\n\n');
      return;
    }
    // A comment now and then keeps proxies from closing a quiet stream.
    if (Date.now() - quietSince > 15_000) {
      res.write(': still running\n\n');
      quietSince = Date.now();
    }
    await sleep(o.pollMs ?? 500, o.signal);
  }
  res.end();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
