/** GET /metrics: the Prometheus text of the tqw registry (its own registry, never prom-client's global one). */
import type { TqwMetrics } from '../../metrics/metrics';
import type { HttpResponse } from '../response';

export function metricsRoute(metrics: TqwMetrics): () => Promise<HttpResponse> {
  return async () => ({
    status: 200,
    contentType: metrics.registry.contentType,
    body: await metrics.registry.metrics(),
  });
}
