/**
 * Options of the worker engine, with their defaults. The convict schema (src/config/schema.ts)
 * exposes each of them as a config key and TQW_* env var. `run()` takes a config file and env (see
 * RunOptions in src/run.ts), not these options; an embedder building a `Worker` itself passes them
 * as `WorkerDeps.options`.
 */
export interface WorkerOptions {
  /** Handlers running at once across all tenants. Config `worker.concurrency`. Default 10. */
  concurrency: number;
  /** Handlers running at once for one tenant; 0 means no limit beyond `concurrency`. Default 0. */
  tenantConcurrency: number;
  /** Most rows claimed by one claim statement (claims are also sized by the free room, see prefetch). Default 1000. */
  batchSize: number;
  /** Lease of a claimed message; an expired lease makes it claimable again. Default 60000. */
  leaseMs: number;
  /** Per-attempt time limit of a handler (overridable per handler). Default 30000. */
  handlerTimeoutMs: number;
  /** Attempts before dead-lettering (overridable per handler). Default 5. */
  maxAttempts: number;
  /**
   * Snoozes (a handler returning `snooze(ms)`) allowed per message before it is dead-lettered with
   * TQW_SNOOZE_LIMIT (overridable per handler; requeueing starts the count again). Default 100.
   */
  maxSnoozes: number;
  /** First retry delay; doubles per attempt, with equal jitter (src/retry/retry-policy.ts; overridable per handler). Default 1000. */
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
  /**
   * Most messages claimed ahead of free handler slots (a local queue), so handlers never wait for a
   * claim round trip. The local queue adapts to the rate: it holds what the handlers start in about
   * 250 ms, at least `concurrency` messages, at most `prefetch`. Claims are sized by the free room:
   * concurrency + that local queue - claimed and not finished (at most batchSize each). A
   * prefetched message that waited for more than half its lease is released instead of run. With
   * tenantConcurrency > 0 a tenant never holds more than tenantConcurrency messages. 0: claim only
   * for free handler slots. Default 2000.
   */
  prefetch: number;
  /**
   * PostgreSQL LISTEN/NOTIFY wake-up: one listening connection per database (see
   * db.notifyListenersMax) wakes an idle tenant within milliseconds of an INSERT into its queue
   * (trigger of migration 0003). Polling stays the backstop. Default true.
   */
  notify: boolean;
  /**
   * While a tenant's NOTIFY listener is connected, its idle probe backs off up to
   * max(pollMaxMs, this) instead of pollMaxMs: new rows arrive by notification, and delayed
   * messages and retries wake at the due time the last probe returned. The probe still catches
   * work that sends no notification (rows written while no listener was connected, leases of
   * crashed workers). Default 30000.
   */
  notifyBackstopMs: number;
  /**
   * SQL Server (no NOTIFY): interval of the readiness probe of idle tenants. ONE statement per
   * server and login covers every tenant database on it (three-part names), so the cost is
   * 1000 / sqlServerProbeMs statements per second per server whatever the number of tenants, and an
   * idle tenant's new message waits about this long plus one round trip. Default 250.
   */
  sqlServerProbeMs: number;
  /**
   * Largest Payload accepted, in UTF-8 bytes: enqueue() and `tqw enqueue` refuse a larger one, and
   * the worker dead-letters one that another producer wrote, without parsing it (parsing runs on the
   * event loop every tenant shares, for a time that grows with the payload; figures:
   * docs/performance.md, "Payload limit"). Default 1048576 (1 MiB,
   * the limit of SQS messages; larger data belongs in a table or blob store, the message carrying its key).
   */
  maxPayloadBytes: number;
}

export const DEFAULT_WORKER_OPTIONS: Readonly<WorkerOptions> = Object.freeze({
  concurrency: 10,
  tenantConcurrency: 0,
  batchSize: 1_000,
  leaseMs: 60_000,
  handlerTimeoutMs: 30_000,
  maxAttempts: 5,
  maxSnoozes: 100,
  backoffBaseMs: 1_000,
  backoffMaxMs: 300_000,
  pollMinMs: 200,
  pollMaxMs: 2_000,
  tenantBackoffMaxMs: 60_000,
  shutdownTimeoutMs: 25_000,
  prefetch: 2_000,
  notify: true,
  notifyBackstopMs: 30_000,
  sqlServerProbeMs: 250,
  maxPayloadBytes: 1_048_576,
});
