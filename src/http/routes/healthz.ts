/**
 * GET /healthz: the worker's HealthReport as JSON (each tenant's state, last successful poll, consecutive
 * failures, in-flight count, last error). Always 200 when the report could be built: the state is in the
 * body, for people and dashboards; orchestrators use /livez and /readyz, so one down tenant never gets the
 * process restarted or taken out of service.
 *
 * Every string in the report passes through `redact` before it leaves the process, as defence in depth:
 * the worker already redacts lastError, but an error text that slipped through must not leak a password.
 */
import type { StatusProvider } from '../status-provider';
import { json, type HttpResponse } from '../response';

export function healthzRoute(status: StatusProvider, redact: (s: string) => string): () => HttpResponse {
  return () => json(200, redactStrings(status.health(), redact));
}

/** Copies a JSON-like value with `redact` applied to every string (keys are ours and left alone). */
export function redactStrings(value: unknown, redact: (s: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redact));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactStrings(item, redact)]));
  }
  return value;
}
