/** Maps the loaded configuration onto the option objects of the engine and the stores. */
import type { NotifyOptions } from '../store/postgres/notify-listener';
import type { PoolOptions, StoreOptions } from '../store/types';
import type { WorkerOptions } from '../worker/options';
import type { TqwConfig } from './schema';

export function toWorkerOptions(config: TqwConfig): WorkerOptions {
  const w = config.worker;
  return {
    concurrency: w.concurrency,
    tenantConcurrency: w.tenantConcurrency,
    batchSize: w.batchSize,
    leaseMs: w.leaseMs,
    handlerTimeoutMs: w.handlerTimeoutMs,
    maxAttempts: w.maxAttempts,
    maxSnoozes: w.maxSnoozes,
    backoffBaseMs: w.backoffBaseMs,
    backoffMaxMs: w.backoffMaxMs,
    pollMinMs: w.pollMinMs,
    pollMaxMs: w.pollMaxMs,
    tenantBackoffMaxMs: w.tenantBackoffMaxMs,
    shutdownTimeoutMs: w.shutdownTimeoutMs,
    prefetch: w.prefetch,
    notify: w.notify,
    notifyBackstopMs: w.notifyBackstopMs,
    sqlServerProbeMs: w.sqlServerProbeMs,
    maxPayloadBytes: w.maxPayloadBytes,
  };
}

/** LISTEN/NOTIFY connection settings of the PostgreSQL stores. */
export function toNotifyOptions(config: TqwConfig): NotifyOptions {
  return { maxListeners: config.db.notifyListenersMax, connectTimeoutMs: config.db.connectTimeoutMs };
}

export function toPoolOptions(config: TqwConfig): PoolOptions {
  return {
    max: config.db.poolMax,
    idleTimeoutMs: config.db.idleTimeoutMs,
    connectTimeoutMs: config.db.connectTimeoutMs,
  };
}

/** What the stores write (StorePools carries it to every store it opens). */
export function toStoreOptions(config: TqwConfig): StoreOptions {
  return {
    deleteOnCompletion: config.retention.deleteOnCompletion,
    asyncCommit: config.db.asyncCommit,
    asyncClaims: config.db.asyncClaims,
  };
}
