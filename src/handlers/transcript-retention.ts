import type { Logger } from 'pino';
import type { JobStore } from '../jobs/store/types.js';

const DAY_MS = 86_400_000;

/**
 * Deletes transcript entries older than the retention (`TRANSCRIPT_RETENTION_DAYS`) now and then
 * every `everyMs` (hourly). Every replica may prune: a delete by age is idempotent.
 */
export function startTranscriptPruning(deps: {
  store: Pick<JobStore, 'pruneTranscripts'>;
  retentionDays: number;
  log: Logger;
  everyMs?: number;
  now?: () => number;
}): { stop(): void; prune(): Promise<void> } {
  const now = deps.now ?? Date.now;
  const prune = async () => {
    try {
      const removed = await deps.store.pruneTranscripts(now() - deps.retentionDays * DAY_MS);
      if (removed > 0) deps.log.info({ removed, retentionDays: deps.retentionDays }, 'pruned old transcript entries');
    } catch (err) {
      deps.log.warn({ err }, 'could not prune old transcripts');
    }
  };
  void prune();
  const timer = setInterval(() => void prune(), deps.everyMs ?? 3_600_000);
  timer.unref();
  return { stop: () => clearInterval(timer), prune };
}
