import type { IncomingMessage, ServerResponse } from 'node:http';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { JobStore } from '../jobs/store/types.js';
import type { Metrics } from '../telemetry/metrics.js';

/** `GET /healthz` (store reachable, queue depth) and `GET /metrics` (Prometheus), added to Probot's server. */
export function healthHandler(deps: {
  store: JobStore;
  metrics?: Metrics;
  brokered: boolean;
  /** The runner process's metrics, summed with this process's (counters and histograms add up). */
  runnerMetrics?: () => Promise<MetricObjectWithValues<MetricValue<string>>[]>;
}) {
  // `credentials`: where the model keys and the clone token are used. `in-sandbox` is the
  // fallback when sandboxes cannot reach the app (no PUBLIC_URL on e2b): keys enter sandboxes.
  const credentials = deps.brokered ? 'broker' : 'in-sandbox';
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET') return false;
    if (path === '/healthz') {
      try {
        await deps.store.ping();
        const s = await deps.store.stats();
        send(
          res,
          200,
          'application/json',
          JSON.stringify({
            status: 'ok',
            store: deps.store.kind,
            queueDepth: s.queueDepth,
            running: s.running,
            credentials,
          }),
        );
      } catch {
        send(res, 503, 'application/json', JSON.stringify({ status: 'unavailable', store: deps.store.kind }));
      }
      return true;
    }
    if (path === '/metrics' && deps.metrics) {
      const { registry } = deps.metrics;
      const text = deps.runnerMetrics
        ? await AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), await deps.runnerMetrics()]).metrics()
        : await registry.metrics();
      send(res, 200, registry.contentType, text);
      return true;
    }
    return false;
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type }).end(body);
}
