import type { Logger } from 'pino';
import type { PoolClient } from 'pg';
import type { Transaction } from 'mssql';
import type { Dialect } from '../store/types';
import type { RetryPolicy } from '../retry/retry-policy';
import type { Snooze } from './snooze';

/** What a handler receives about the message it handles. */
export interface Message<TPayload = unknown> {
  id: string;
  tenantId: string;
  type: string;
  /** The Payload column parsed as JSON. */
  payload: TPayload;
  /** 1 on the first delivery, 2 on the first retry, ... */
  attempt: number;
  correlationId: string | null;
  scheduledTime: Date;
  createdAt: Date;
}

/**
 * What a handler receives about where it runs.
 * `db` is the tenant database transaction for transactional handlers (the default): a `pg.PoolClient`
 * inside BEGIN on PostgreSQL, an `mssql.Transaction` on SQL Server. Writes made through it commit
 * atomically with the message's Completed status. For `transactional: false` handlers `db` is undefined.
 */
export interface HandlerContext<TDb = unknown> {
  tenantId: string;
  db: TDb;
  /** pino child logger bound to tenant, message id, type, attempt and correlation id. */
  log: Logger;
  /** Fires on the handler's timeout and when the worker's shutdown drain deadline passes. */
  signal: AbortSignal;
}

export interface Handler<TPayload = unknown, TDb = unknown> {
  /** The message type this handler handles (MessageType column). Give `type` or `types`. */
  type?: string;
  /** Several message types handled by one module. */
  types?: readonly string[];
  /**
   * Handles one message: resolving completes it, throwing fails the attempt (retried, or dead-lettered
   * after maxAttempts). Returning `snooze(ms)` runs it again `ms` later without counting an attempt
   * (a transactional handler's writes are rolled back).
   */
  handle(message: Message<TPayload>, ctx: HandlerContext<TDb>): Promise<void | Snooze> | void | Snooze;
  /** Per-attempt time limit; default worker.handlerTimeoutMs. */
  timeoutMs?: number;
  /** Overrides worker.maxAttempts for these types. */
  maxAttempts?: number;
  /** Overrides worker.maxSnoozes for these types: snoozes allowed before the message is dead-lettered (TQW_SNOOZE_LIMIT). */
  maxSnoozes?: number;
  /** Overrides worker.backoffBaseMs / worker.backoffMaxMs for these types (the default policy's delays). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Replaces parts of the retry policy for these types (src/retry/retry-policy.ts): `delayMs`, `isPermanent`. */
  retryPolicy?: Partial<RetryPolicy>;
  /** Default true: run inside the tenant database transaction. false: lease heartbeat instead. */
  transactional?: boolean;
  /**
   * The only store this handler runs on (set by definePostgresHandler / defineSqlServerHandler, which
   * type ctx.db for it). A message of a tenant on the other store is treated as having no handler
   * (retried, then dead-lettered, saying why). Default: both.
   */
  dialect?: Dialect;
}

/** What ctx.db is on each store: a pg PoolClient inside BEGIN, or an mssql Transaction that has begun. */
export interface TransactionOf {
  postgres: PoolClient;
  sqlserver: Transaction;
}

/** A handler after loading: where it came from and the types it owns. */
export interface LoadedHandler {
  handler: Handler;
  types: readonly string[];
  /** Absolute path of the module file (or '<inline>' for handlers passed programmatically). */
  source: string;
}
