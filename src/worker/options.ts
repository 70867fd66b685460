/**
 * Options of the worker engine, with their defaults. The convict schema (src/config/schema.ts)
 * exposes each of them as a config key and TQW_* env var; programmatic users pass them to `run()`.
 */
export interface WorkerOptions {
  /** Handlers running at once across all tenants. Config `worker.concurrency`. Default 10. */
  concurrency: number;
  /** Handlers running at once for one tenant; 0 means no limit beyond `concurrency`. Default 0. */
  tenantConcurrency: number;
  /** Most rows claimed by one claim statement. Default 10. */
  batchSize: number;
  /** Lease of a claimed message; an expired lease makes it claimable again. Default 60000. */
  leaseMs: number;
  /** Per-attempt time limit of a handler (overridable per handler). Default 30000. */
  handlerTimeoutMs: number;
  /** Attempts before dead-lettering (overridable per handler). Default 5. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt, with full jitter (overridable per handler). Default 1000. */
  backoffBaseMs: number;
  /** Cap of the retry delay. Default 300000. */
  backoffMaxMs: number;
  /** Poll interval after an empty claim starts here... Default 200. */
  pollMinMs: number;
  /** ...and doubles (with jitter) up to here while the tenant stays empty. Default 2000. */
  pollMaxMs: number;
  /** Cap of the backoff of a failing (down) tenant. Default 60000. */
  tenantBackoffMaxMs: number;
  /** Graceful shutdown: time in-flight handlers get before they are aborted and released. Default 25000. */
  shutdownTimeoutMs: number;
}

export const DEFAULT_WORKER_OPTIONS: Readonly<WorkerOptions> = Object.freeze({
  concurrency: 10,
  tenantConcurrency: 0,
  batchSize: 10,
  leaseMs: 60_000,
  handlerTimeoutMs: 30_000,
  maxAttempts: 5,
  backoffBaseMs: 1_000,
  backoffMaxMs: 300_000,
  pollMinMs: 200,
  pollMaxMs: 2_000,
  tenantBackoffMaxMs: 60_000,
  shutdownTimeoutMs: 25_000,
});
