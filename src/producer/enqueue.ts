/**
 * `enqueue()` for Node producers: inserts one message into a tenant's QueueMessages table through
 * the CALLER's own connection, so the message commits or rolls back with the caller's business
 * writes (the outbox pattern of the article: no message without the data it is about, no data
 * without its message).
 *
 *   // PostgreSQL (pg): the client of your transaction
 *   await client.query('BEGIN');
 *   await client.query('UPDATE products SET name = $1 WHERE id = $2', [name, id]);
 *   await enqueue(client, { tenantId: 'acme', messageType: 'ProductUpdate', payload: { productId: id } });
 *   await client.query('COMMIT');
 *
 *   // SQL Server (mssql): your mssql.Transaction
 *   const tx = new mssql.Transaction(pool); await tx.begin();
 *   await enqueue(tx, { tenantId: 'acme', messageType: 'ProductUpdate', payload: { productId: id } }, { schema: 'acme' });
 *   await tx.commit();
 *
 * The INSERT is the stores' own statement (src/store/{postgres,sqlserver}/sql/enqueue.ts), with the
 * same parameter types and rules: the payload is JSON.stringify'd unless it is already a string,
 * ScheduledTime = the database's now + delayMs, Status Pending, 0 attempts. A pg Pool or an
 * mssql ConnectionPool works too, but then the insert commits on its own (no outbox guarantee).
 */
import { MAX_MESSAGE_TYPE_LENGTH } from '../store/types';
import type mssql from 'mssql';
import { newMessageId, UUID_TEXT } from '../store/message-id';
import { DEFAULT_WORKER_OPTIONS } from '../worker/options';
import { payloadTooLarge } from '../worker/payload-limit';
import { enqueueSql as postgresEnqueueSql } from '../store/postgres/sql/enqueue';
import { serializePayload } from '../store/postgres/payload';
import { quoteTable as quotePostgresTable } from '../store/postgres/quote-table';
import type { Dialect, NewMessage } from '../store/types';
import { checkedPriority } from '../store/priority';
import { MAX_DEDUPE_ROUNDS, checkedDedupeKey } from '../store/dedupe-key';
import { enqueueDedupedSql, findByDedupeKeySql } from '../store/postgres/sql/enqueue-deduped';

/** Anything pg can query with: pg.Client, pg.PoolClient (inside BEGIN for the outbox), pg.Pool. */
export interface PostgresQueryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** An mssql.Transaction (begun; the outbox) or an mssql.ConnectionPool (autocommit). */
export type SqlServerTarget = mssql.Transaction | mssql.ConnectionPool;

export type EnqueueTarget = PostgresQueryable | SqlServerTarget;

export interface EnqueueOptions {
  /** Schema of the tenant's QueueMessages table (schema-per-tenant); default the connection's (public / dbo). */
  schema?: string;
  /**
   * Which database the target talks to. Default: detected (an object with `request()` is mssql,
   * one with only `query()` is pg).
   */
  dialect?: Dialect;
  /**
   * Largest payload accepted, in UTF-8 bytes; a larger one is refused with PayloadTooLargeError
   * before anything is sent. Default 1048576 (1 MiB), the workers' default worker.maxPayloadBytes:
   * keep the two equal (the workers dead-letter a larger payload unread).
   */
  maxPayloadBytes?: number;
}

/** Limits of the table contract: TenantId NVARCHAR(50), MessageType NVARCHAR(255). */
const MAX_TENANT_ID = 50;
const MAX_MESSAGE_TYPE = MAX_MESSAGE_TYPE_LENGTH;

/**
 * Inserts `message` through `target` and resolves with its id. Validation errors are TypeErrors
 * naming the field; a payload over `maxPayloadBytes` is a PayloadTooLargeError (TQW_PAYLOAD_TOO_LARGE).
 */
export async function enqueue(target: EnqueueTarget, message: NewMessage, options: EnqueueOptions = {}): Promise<string> {
  validate(message);
  const dialect = options.dialect ?? detectDialect(target);
  // Time-ordered in the database's uuid order (see message-id.ts): the index grows at its end.
  const id = message.id ?? newMessageId(dialect);
  const payload = serializePayload(message.payload, message.messageType);
  const tooLarge = payloadTooLarge(payload, options.maxPayloadBytes ?? DEFAULT_WORKER_OPTIONS.maxPayloadBytes, message.messageType);
  if (tooLarge) throw tooLarge;
  const delayMs = message.delayMs ?? 0;
  const correlationId = message.correlationId ?? null;
  const priority = checkedPriority(message.priority);
  const dedupeKey = checkedDedupeKey(message.dedupeKey);

  if (dialect === 'postgres') {
    const client = target as PostgresQueryable;
    const table = quotePostgresTable(options.schema);
    const values = [id, message.tenantId, message.messageType, payload, delayMs, correlationId, priority];
    if (dedupeKey === null) {
      await client.query(postgresEnqueueSql(table), values);
      return id;
    }
    // As the store's enqueue: insert unless the key is held, else return the holder's id.
    for (let round = 0; round < MAX_DEDUPE_ROUNDS; round++) {
      const inserted = (await client.query(enqueueDedupedSql(table), [...values, dedupeKey])) as { rows: unknown[] };
      if (inserted.rows.length > 0) return id;
      const existing = (await client.query(findByDedupeKeySql(table), [dedupeKey])) as { rows: Array<{ Id: string }> };
      if (existing.rows[0]) return existing.rows[0].Id;
    }
    throw new Error(`enqueue: dedupe key '${dedupeKey}' kept changing hands; try again`);
  }

  // Loaded on demand, so PostgreSQL-only producers never load mssql/tedious.
  const [{ default: mssqlModule }, { enqueueSql }, { quoteTable }, { bindDelay }] = await Promise.all([
    import('mssql'),
    import('../store/sqlserver/sql/enqueue'),
    import('../store/sqlserver/quote-table'),
    import('../store/sqlserver/params'),
  ]);
  const request = bindDelay((target as SqlServerTarget).request(), delayMs, 'enqueue delayMs');
  if (dedupeKey !== null) {
    throw new TypeError('enqueue(): dedupeKey on SQL Server is supported through the store (QueueStore.enqueue), not yet the producer API');
  }
  await request
    .input('id', mssqlModule.UniqueIdentifier, id)
    .input('tenantId', mssqlModule.NVarChar(MAX_TENANT_ID), message.tenantId)
    .input('messageType', mssqlModule.NVarChar(MAX_MESSAGE_TYPE), message.messageType)
    .input('payload', mssqlModule.NVarChar(mssqlModule.MAX), payload)
    .input('correlationId', mssqlModule.UniqueIdentifier, correlationId)
    .input('priority', mssqlModule.Int, priority)
    .query(enqueueSql(quoteTable(options.schema)));
  return id;
}

function detectDialect(target: EnqueueTarget): Dialect {
  const candidate = target as Partial<{ request: unknown; query: unknown }> | null;
  if (candidate && typeof candidate.request === 'function') return 'sqlserver';
  if (candidate && typeof candidate.query === 'function') return 'postgres';
  throw new TypeError('enqueue target must be a pg client (inside BEGIN for the outbox pattern) or an mssql Transaction / ConnectionPool');
}

function validate(message: NewMessage): void {
  const { tenantId, messageType, id, correlationId, delayMs } = message;
  if (typeof tenantId !== 'string' || tenantId === '' || tenantId.length > MAX_TENANT_ID) {
    throw new TypeError(`message.tenantId must be a non-empty string of at most ${MAX_TENANT_ID} characters`);
  }
  if (typeof messageType !== 'string' || messageType.trim() === '' || messageType.length > MAX_MESSAGE_TYPE) {
    throw new TypeError(`message.messageType must be a non-empty string of at most ${MAX_MESSAGE_TYPE} characters`);
  }
  if (id !== undefined && !UUID_TEXT.test(id)) throw new TypeError(`message.id must be a UUID, got '${id}'`);
  if (correlationId !== undefined && correlationId !== null && !UUID_TEXT.test(correlationId)) {
    throw new TypeError(`message.correlationId must be a UUID or null, got '${correlationId}'`);
  }
  if (delayMs !== undefined && (!Number.isFinite(delayMs) || delayMs < 0)) {
    throw new TypeError(`message.delayMs must be a finite number >= 0, got ${delayMs}`);
  }
}
