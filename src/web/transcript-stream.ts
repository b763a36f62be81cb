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
  o: { store: JobStore; jobId: string; after: number; pollMs?: number },
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let closed = false;
  req.on('close', () => (closed = true));
  let after = o.after;
  let quietSince = Date.now();
  res.write('retry: 2000\n\n');
  while (!closed) {
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
    await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
  }
  res.end();
}
