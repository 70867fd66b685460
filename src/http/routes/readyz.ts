/**
 * GET /readyz: 200 `ready` once config and handlers are loaded and the poll loop runs; 503 with the reason
 * (`starting` or `draining`) otherwise. Per-tenant trouble never makes the process unready (see /healthz).
 */
import type { StatusProvider } from '../status-provider';
import { text, type HttpResponse } from '../response';

export function readyzRoute(status: StatusProvider, redact: (s: string) => string): () => HttpResponse {
  return () => {
    const { ready, reason } = status.isReady();
    if (ready) return text(200, 'ready');
    return text(503, redact(reason ?? 'not ready'));
  };
}
