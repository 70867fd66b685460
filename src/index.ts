/**
 * The package's public API (`require('tenant-queue-worker')`).
 * The daemon itself is the `tqw` command; this is for handler authors, Node producers and
 * programs that embed the worker.
 */

// Handler authoring and loading: defineHandler, snooze, Handler/Message/HandlerContext types, loadHandlers, HandlerRegistry, isPermanentError.
export * from './handlers';

// Producers: insert a message in the caller's own transaction (outbox pattern).
export { enqueue, type EnqueueOptions, type EnqueueTarget } from './producer/enqueue';

// Errors: one catalogue with stable codes. Handlers throw PermanentError to dead-letter at once.
export {
  TqwError,
  ConfigError,
  PermanentError,
  LeaseLostError,
  HandlerTimeoutError,
  InvalidPayloadError,
  PayloadTooLargeError,
  TenantMismatchError,
  NoHandlerError,
  SnoozeInvalidError,
  SnoozeLimitError,
  EXIT_CONFIG,
  type TqwErrorCode,
} from './errors';

// Embedding: the daemon in-process, or the engine pieces on their own.
export { run, type RunOptions } from './run';
export type { DaemonHandle } from './daemon/daemon';
export { loadConfig, type TqwConfig } from './config/load-config';
export { loadTenants } from './tenants/load-tenants';
export type { Tenant, TenantEntry } from './tenants/types';
export { Worker, type WorkerDeps, type TenantStatus } from './worker/worker';
export { DEFAULT_WORKER_OPTIONS, type WorkerOptions } from './worker/options';
export { StorePools, createStore } from './store/create-store';
export type {
  QueueStore,
  QueueMessageRow,
  ClaimedMessage,
  NewMessage,
  MessageStatus,
  Dialect,
  PoolOptions,
  StoreOptions,
} from './store/types';
export { createMetrics, type TqwMetrics } from './metrics/metrics';
