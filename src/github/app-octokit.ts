import { ProbotOctokit } from 'probot';
import type { Metrics } from '../telemetry/metrics.js';
import { countRequests } from './octokit-plugins.js';
import { installationWriteQueue, type WriteQueueOptions, type WriteScheduler } from './write-queue.js';

/**
 * A stand-in for a Bottleneck group of @octokit/plugin-throttling that holds nothing back: its
 * `write` and `notifications` groups are module-level and, for the clients of webhook handlers,
 * shared by every installation (one `throttle.id`), so they would pace all writes of the process
 * as one. The installation write queue paces writes instead.
 */
const UNPACED = {
  key: () => ({
    schedule: (_options: unknown, fn: (...args: unknown[]) => unknown, ...args: unknown[]) => fn(...args),
  }),
};

/**
 * Probot's Octokit as the app runs it: every response counted for /metrics, every write of an
 * installation paced by that installation's queue (acknowledgements first), and Probot's
 * throttling kept for the rest (reads, rate-limit retries) with one `throttle.id` per
 * installation. With `throttle: { enabled: false }` (tests) neither paces anything.
 */
export function appOctokit(
  options: {
    metrics?: Metrics;
    writes?: WriteQueueOptions;
    /** The queues to use (the runner process passes the app's, reached over IPC); new ones by default. */
    queues?: WriteScheduler;
  } = {},
) {
  const plugins = [
    ...(options.metrics ? [countRequests(options.metrics)] : []),
    // Last, so that it wraps the others: a write waits in its queue before anything else sees it.
    installationWriteQueue(options.writes, options.queues),
  ];
  return ProbotOctokit.plugin(...plugins).defaults(
    (
      o: Record<string, unknown> & { throttle?: { enabled?: boolean }; auth?: { installationId?: number | string } },
    ) => {
      if (o.throttle?.enabled === false) return o;
      const installationId = o.auth?.installationId;
      return {
        ...o,
        throttle: {
          ...o.throttle,
          ...(installationId !== undefined && { id: String(installationId) }),
          write: UNPACED,
          notifications: UNPACED,
        },
      };
    },
  );
}
