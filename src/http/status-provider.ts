/**
 * What the HTTP server asks the worker about its state (implemented by the worker engine).
 * Kept free of any worker types so the server can be tested with a plain object.
 */

/** up: polls succeed; down: failing, retried with backoff; draining: removed or shutting down; starting: no poll yet. */
export type TenantState = 'up' | 'down' | 'draining' | 'starting';

export interface TenantHealth {
  id: string;
  store: 'postgres' | 'sqlserver';
  state: TenantState;
  /** ISO 8601 time of the last poll that reached the table, or null if none yet. */
  lastSuccessfulPollAt: string | null;
  /** Polls failed in a row (0 when up). */
  consecutiveFailures: number;
  /** Messages of this tenant whose handler is running. */
  inflight: number;
  /** Last poll or store error, already redacted by the worker (/healthz redacts again as defence in depth). */
  lastError: string | null;
  /**
   * The tenant's pause switches (tqw pause) as last read (refreshed every metrics.depthIntervalMs):
   * `all` = the whole tenant, `types` = paused message types; null while unknown. A paused tenant
   * is not a degraded one. Optional for providers that know nothing of pausing.
   */
  paused?: { all: boolean; types: string[] } | null;
}

export interface HealthReport {
  /** ok: every tenant up; degraded: some tenant down; starting / draining: the process's own phase. */
  status: 'ok' | 'degraded' | 'starting' | 'draining';
  tenants: TenantHealth[];
}

export interface StatusProvider {
  /**
   * Ready once config and handlers are loaded and the poll loop runs; not ready while starting and while
   * draining on shutdown (`reason` 'starting' | 'draining'). A tenant being down does not make the process
   * unready: that is per-tenant state, reported by health().
   */
  isReady(): { ready: boolean; reason?: string };
  health(): HealthReport;
}
