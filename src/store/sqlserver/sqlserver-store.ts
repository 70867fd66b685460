import mssql from 'mssql';
import { newMessageId } from '../message-id';
import { oneRow } from '../shared/one-row';
import { parseConnectionString, poolKeyOf } from '../../tenants/connection-string';
import type { Tenant } from '../../tenants/types';
import { byTypeCounts } from '../by-type-counts';
import { checkedPriority } from '../priority';
import { checkedDedupeKey } from '../dedupe-key';
import { createHash } from 'node:crypto';
import { sharingKey, withDigest } from '../sharing-key';
import type { PoolRegistry } from '../pool-registry';
import { storePool } from '../shared/store-pool';
import { assertClaimOptions, assertListLimit, assertPurgeBatch, checkedSnoozeDelay } from '../shared/store-input';
import { byPriorityThenScheduledTime, toStatusCounts } from '../shared/rows';
import { serializePayload } from '../postgres/payload';
import {
  type AttemptError,
  type ClaimOptions,
  type ClaimedMessage,
  type EnqueueOutcome,
  type NewMessage,
  DEFAULT_POOL_OPTIONS,
  DEFAULT_STORE_OPTIONS,
  type ClaimFence,
  type PoolOptions,
  type QueueStore,
  type StoreOptions,
  type StoreTransaction,
} from '../types';
import { DEFAULT_REQUEST_TIMEOUT_MS, rollbackQuietly, runClaimTransaction } from './claim-transaction';
import { sqlServerConfig } from './connection-config';
import { connectOnce, createMssqlPool } from './create-pool';
import { DEFAULT_MIGRATE_OPTIONS, runMigrations } from './migrate';
import { SQLSERVER_MIGRATIONS } from './migrations';
import { assertUuid, bindDelayParts, bindFence, fencesJson, splitDelay } from './params';
import { claimWithinLimits, rotate } from '../shared/limited-claim';
import { QUEUE_TABLE, quoteIdent, quoteTable } from './quote-table';
import { pauseKey, toPauseState } from '../shared/pause-switch';
import { isDuplicateKey } from './duplicate-key';
import { column, expiredIdOf, numberColumn, rowCountOf, toClaimedMessage, toFence, toQueueMessageRow, type MssqlRow } from './row-mapper';
import { sqlServerStatements } from './statements';
import { assertPageLimit, operatorStatuses, searchedUuid } from '../operator-checks';
import { occurrenceOutcome } from '../occurrence-outcome';
import { MAX_SCHEDULE_NAME_LENGTH } from '../../schedules/types';
import type { DeadLetterFilter } from '../types';

/** @type, @error, @ids, @batch of dead-letters-matching.ts; the batch is capped like purge's (lock escalation). */
/** How long a limited claim waits for another replica's limited claim of the same tenant to commit. */
const LIMIT_LOCK_TIMEOUT_MS = 10_000;

function bindDeadLetterFilter(request: mssql.Request, filter: DeadLetterFilter, batchSize: number): mssql.Request {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be an integer >= 1, got ${batchSize}`);
  for (const id of filter.ids ?? []) assertUuid(id, 'dead letter id');
  return request
    .input('type', mssql.NVarChar(255), filter.messageType ?? null)
    .input('error', mssql.NVarChar(mssql.MAX), filter.errorContains ?? null)
    .input('ids', mssql.NVarChar(mssql.MAX), filter.ids === undefined ? null : JSON.stringify(filter.ids))
    .input('batch', mssql.Int, Math.min(batchSize, MAX_PURGE_BATCH));
}
import { createSqlServerGroup } from './group';
import { EXPECTED_INDEXES } from './expected-indexes';
import { missingIndexShapes, type IndexKeyRow } from './index-keys';

/**
 * Most rows one purge statement deletes, whatever the caller asks: keeps every DELETE far below the
 * ~5,000 locks at which SQL Server escalates to a table lock (see sql/purge.ts).
 */
export const MAX_PURGE_BATCH = 1_000;

/**
 * The SQL Server QueueStore of one tenant: `[schema].[QueueMessages]` through the pool shared by
 * every tenant of the same database connecting the same way (sharingKey), acquired and connected on first use and let
 * go by close(). Statement shapes and their reasons live in ./sql; this file only binds typed
 * parameters and maps rows. The connection string is checked here, at creation, so a malformed
 * one is a ConfigError at start-up rather than a failing tenant later. `storeOptions` chooses the
 * completing statements (deleteOnCompletion: fenced DELETEs, see statements.ts).
 */
export function createSqlServerStore(
  tenant: Tenant,
  pools: PoolRegistry<mssql.ConnectionPool>,
  poolOptions: PoolOptions = DEFAULT_POOL_OPTIONS,
  storeOptions: StoreOptions = DEFAULT_STORE_OPTIONS,
): QueueStore {
  const table = quoteTable(tenant.schema);
  const sql = sqlServerStatements(table, storeOptions);
  const config = sqlServerConfig(tenant.connectionString, `tenant '${tenant.id}' (${tenant.redactedConnection})`);
  const requestTimeoutMs = config.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const shared = storePool(pools, sharingKey(tenant), () => createMssqlPool(config, poolOptions), `tenant '${tenant.id}' (${table})`);
  const connected = connectOnce(shared.pool);
  const request = async (): Promise<mssql.Request> => (await connected()).request();
  /** The caller's transaction when given (outbox, transactional handler), else the pool. */
  const requestVia = async (tx: StoreTransaction | undefined): Promise<mssql.Request> =>
    tx ? transactionOf(tx, tenant.id).request() : request();
  /** Runs a fenced write that ends with SELECT @@ROWCOUNT; true when exactly the claimed row changed. */
  const fenced = async (text: string, fence: ClaimFence, bind: (r: mssql.Request) => mssql.Request = (r) => r) => {
    const result = await bind(bindFence(await request(), fence)).query<MssqlRow>(text);
    return rowCountOf(result.recordset) === 1;
  };

  /** The claim batch on `req` (a pooled request, or one of a limited claim's transaction). */
  const claimVia = async (req: mssql.Request, options: ClaimOptions): Promise<ClaimedMessage[]> => {
    const { limit, leaseMs, types } = options;
    req.input('limit', mssql.Int, limit).input('leaseMs', mssql.Int, leaseMs);
    if (types !== undefined) req.input('types', mssql.NVarChar(mssql.MAX), JSON.stringify(types));
    const { recordsets } = await req.query<MssqlRow>(types === undefined ? sql.claim : sql.claimByType);
    const [claimed, expired] = recordsets as unknown as [MssqlRow[], MssqlRow[]];
    const expiredId = expiredIdOf(expired);
    return claimed.map((row) => toClaimedMessage(row, expiredId)).sort(byPriorityThenScheduledTime);
  };
  /** The application lock of this tenant's limited claims (per table; sp_getapplock names hold 255 characters). */
  const limitLockResource = `tqw:limits:${createHash('sha256').update(table).digest('hex')}`;
  /** Rotates which limited type a limited claim takes first (this store's claims only). */
  let limitedRound = 0;

  /** A request with the message's parameters of enqueue.ts bound (checked first). */
  const messageRequest = async (message: NewMessage, id: string, tx?: StoreTransaction): Promise<mssql.Request> => {
    assertUuid(id, 'message id');
    // Checked here because SQL Server silently truncates a parameter value longer than its
    // declared NVARCHAR(n), which would store another tenant id or message type than asked for.
    assertMaxLength(message.tenantId, 50, 'tenantId');
    assertMaxLength(message.messageType, 255, 'messageType');
    const correlationId = message.correlationId ?? null;
    if (correlationId !== null) assertUuid(correlationId, 'correlationId');
    const payload = serializePayload(message.payload, message.messageType);
    const delay = splitDelay(message.delayMs ?? 0, 'enqueue delayMs');
    return bindDelayParts(await requestVia(tx), delay)
      .input('id', mssql.UniqueIdentifier, id)
      .input('tenantId', mssql.NVarChar(50), message.tenantId)
      .input('messageType', mssql.NVarChar(255), message.messageType)
      .input('payload', mssql.NVarChar(mssql.MAX), payload)
      .input('correlationId', mssql.UniqueIdentifier, correlationId)
      .input('priority', mssql.Int, checkedPriority(message.priority));
  };

  const enqueueMessage = async (message: NewMessage, tx?: StoreTransaction): Promise<EnqueueOutcome> => {
    const id = message.id ?? newMessageId('sqlserver');
    const key = checkedDedupeKey(message.dedupeKey);
    const req = await messageRequest(message, id, tx);
    if (key === null) {
      await req.query(sql.enqueue);
      return { id, deduplicated: false };
    }
    const { recordset } = await req
      .input('dedupeKey', mssql.NVarChar(255), key)
      .input('lockResource', mssql.NVarChar(255), dedupeLockResource(table, key))
      .query<MssqlRow>(sql.enqueueDeduped);
    const row = oneRow(recordset, 'enqueue-deduped'); // the batch ends with a one-row SELECT
    const deduplicated = column(row, 'Deduplicated');
    return { id: String(column(row, 'Id')).toLowerCase(), deduplicated: deduplicated === true || deduplicated === 1 };
  };

  const waitingByType = async (): Promise<Record<string, number>> => {
    const { recordset } = await (await request()).query<MssqlRow>(sql.waitingByType);
    return byTypeCounts(recordset.map((row) => ({ MessageType: String(column(row, 'MessageType')), Count: numberColumn(row, 'Count') })));
  };

  return {
    dialect: 'sqlserver',
    tenantId: tenant.id,
    tableName: table,

    async migrate() {
      return runMigrations(await connected(), tenant.schema, SQLSERVER_MIGRATIONS, {
        ...DEFAULT_MIGRATE_OPTIONS,
        requestTimeoutMs,
      });
    },

    async claim(options) {
      assertClaimOptions(options);
      if (options.types !== undefined && options.types.length === 0) return [];
      return claimVia(await request(), options);
    },

    async claimLimited(options, limits) {
      assertClaimOptions(options);
      const served = options.types;
      if (served.length === 0) return [];
      const order = rotate(served, limitedRound++);
      const transaction = new mssql.Transaction(await connected());
      await transaction.begin(mssql.ISOLATION_LEVEL.READ_COMMITTED);
      try {
        const json = (value: unknown) => JSON.stringify(value);
        const rows = await claimWithinLimits(
          {
            lockBuckets: async (scopes, capacities) => {
              const { recordset } = await transaction
                .request()
                .input('lockResource', mssql.NVarChar(255), limitLockResource)
                .input('lockTimeoutMs', mssql.Int, LIMIT_LOCK_TIMEOUT_MS)
                .input('scopes', mssql.NVarChar(mssql.MAX), json(scopes))
                .input('capacities', mssql.NVarChar(mssql.MAX), json(capacities))
                .query<{ Scope: string; Tokens: number; ElapsedMs: number; Now: Date }>(sql.lockBuckets);
              const buckets = new Map(recordset.map((r) => [r.Scope, { tokens: r.Tokens, elapsedMs: Number(r.ElapsedMs) }]));
              return { buckets, now: recordset[0]?.Now ?? new Date() };
            },
            runningByType: async () => {
              const { recordset } = await transaction
                .request()
                .input('leaseMs', mssql.Int, options.leaseMs)
                .query<{ MessageType: string; Running: number }>(sql.runningByType);
              return new Map(recordset.map((r) => [r.MessageType, Number(r.Running)]));
            },
            claim: async (types, limit) => claimVia(transaction.request(), { limit, leaseMs: options.leaseMs, types }),
            saveBuckets: async (tokens, asOf) => {
              await transaction
                .request()
                .input('scopes', mssql.NVarChar(mssql.MAX), json([...tokens.keys()]))
                .input('tokens', mssql.NVarChar(mssql.MAX), json([...tokens.values()]))
                .input('asOf', mssql.DateTimeOffset(3), asOf)
                .query(sql.saveBuckets);
            },
          },
          limits,
          options.limit,
          served,
          order,
        );
        await transaction.commit();
        return rows.sort(byPriorityThenScheduledTime);
      } catch (err) {
        await rollbackQuietly(transaction, requestTimeoutMs);
        throw err;
      }
    },

    async withClaimTransaction(fence, fn) {
      return runClaimTransaction(await connected(), sql.lockClaim, fence, fn, requestTimeoutMs);
    },

    async withCompletingTransaction(fence, fn) {
      // BEGIN, the fenced UPDATE to Completed (or DELETE, deleteOnCompletion; either takes the row
      // lock), `fn`, COMMIT: one round trip fewer than withClaimTransaction + complete. A rollback
      // restores Processing with the fence.
      return runClaimTransaction(
        await connected(),
        sql.completingUpdate,
        fence,
        fn,
        requestTimeoutMs,
        (recordset) => rowCountOf(recordset as MssqlRow[]) === 1,
      );
    },

    group: createSqlServerGroup(groupKey(tenant), groupTable(tenant, config.database), request),

    async complete(fence, tx) {
      const result = await bindFence(await requestVia(tx), fence).query<MssqlRow>(sql.complete);
      return rowCountOf(result.recordset) === 1;
    },

    async completeMany(fences) {
      if (fences.length === 0) return [];
      const { recordset } = await (
        await request()
      )
        .input('fences', mssql.NVarChar(mssql.MAX), fencesJson(fences))
        .query<MssqlRow>(sql.completeMany);
      return recordset.map((row) => String(column(row, 'Id')).toLowerCase());
    },

    async retry(fence, { delayMs, error, code }) {
      const delay = splitDelay(delayMs, 'retry delayMs');
      return fenced(sql.retry, fence, (r) =>
        bindDelayParts(r, delay)
          .input('error', mssql.NVarChar(mssql.MAX), error)
          .input('code', mssql.NVarChar(100), code ?? null),
      );
    },
    deadLetter: (fence, error, code) =>
      fenced(sql.deadLetter, fence, (r) =>
        r.input('error', mssql.NVarChar(mssql.MAX), error).input('code', mssql.NVarChar(100), code ?? null),
      ),

    async errorHistory(ids) {
      const history = new Map<string, AttemptError[]>(ids.map((id) => [id.toLowerCase(), []]));
      if (ids.length === 0) return history;
      for (const id of ids) assertUuid(id, 'message id');
      const { recordset } = await (
        await request()
      )
        .input('ids', mssql.NVarChar(mssql.MAX), JSON.stringify(ids))
        .query<MssqlRow>(sql.errorHistory);
      for (const row of recordset) {
        const code = column(row, 'ErrorCode');
        history.get(String(column(row, 'MessageId')).toLowerCase())?.push({
          attempt: numberColumn(row, 'Attempt'),
          failedAt: column(row, 'FailedAt') as Date,
          error: String(column(row, 'ErrorMessage')),
          code: code === null || code === undefined ? null : String(code),
        });
      }
      return history;
    },
    release: (fence, reason) => fenced(sql.release, fence, (r) => r.input('reason', mssql.NVarChar(mssql.MAX), reason)),
    async snooze(fence, { delayMs }) {
      const delay = splitDelay(checkedSnoozeDelay(delayMs), 'snooze delayMs');
      return fenced(sql.snooze, fence, (r) => bindDelayParts(r, delay));
    },

    async extendLease(fence) {
      const { recordset } = await bindFence(await request(), fence).query<MssqlRow>(sql.extendLease);
      return recordset[0] ? toFence(recordset[0]) : null;
    },

    async enqueue(message, tx) {
      return (await enqueueMessage(message, tx)).id;
    },

    enqueueMessage,

    async enqueueIfAbsent(message, tx) {
      try {
        const { recordset } = await (await messageRequest(message, message.id, tx)).query<MssqlRow>(sql.enqueueIfAbsent);
        return numberColumn(oneRow(recordset, 'enqueue-if-absent'), 'Inserted') === 1;
      } catch (err) {
        // A concurrent insert of the same id passed the NOT EXISTS too and won (enqueue-if-absent.ts).
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },

    async pause(messageType) {
      const key = pauseKey(messageType);
      try {
        const result = await (await request()).input('messageType', mssql.NVarChar(255), key).query<MssqlRow>(sql.pause);
        return rowCountOf(result.recordset) === 1;
      } catch (err) {
        if (isDuplicateKey(err)) return false; // a concurrent pause of the same switch won the insert
        throw err;
      }
    },

    async enqueueOccurrence({ schedule, occurrence, enqueue, message }) {
      assertMaxLength(schedule, MAX_SCHEDULE_NAME_LENGTH, 'schedule');
      try {
        const req = (await messageRequest(message, message.id))
          .input('schedule', mssql.NVarChar(MAX_SCHEDULE_NAME_LENGTH), schedule)
          .input('occurrence', mssql.DateTimeOffset(3), occurrence)
          .input('enqueue', mssql.Bit, enqueue);
        const row = oneRow((await req.query<MssqlRow>(sql.enqueueOccurrence)).recordset, 'enqueue-occurrence');
        return occurrenceOutcome(
          numberColumn(row, 'Seeded') === 1,
          numberColumn(row, 'Advanced') === 1,
          numberColumn(row, 'Inserted') === 1,
          enqueue,
        );
      } catch (err) {
        // Another replica seeded the schedule's row (or inserted the message) at the same moment.
        if (isDuplicateKey(err)) return 'already-handled';
        throw err;
      }
    },

    async resume(messageType) {
      const result = await (await request()).input('messageType', mssql.NVarChar(255), pauseKey(messageType)).query<MssqlRow>(sql.resume);
      return rowCountOf(result.recordset) === 1;
    },

    async pauseState() {
      const { recordset } = await (await request()).query<{ MessageType: string }>(sql.pauseState);
      return toPauseState(recordset);
    },

    async getMessage(id) {
      assertUuid(id, 'message id');
      const { recordset } = await (await request()).input('id', mssql.UniqueIdentifier, id).query<MssqlRow>(sql.getMessage);
      return recordset[0] ? toQueueMessageRow(recordset[0]) : null;
    },

    async stats() {
      const { recordset } = await (await request()).query<MssqlRow>(sql.stats);
      const row = oneRow(recordset, 'stats'); // an aggregate without GROUP BY always returns one row
      const oldest = column(row, 'OldestDueAgeSeconds');
      return {
        counts: { ...toStatusCounts((name) => column(row, name)), Completed: numberColumn(row, 'Completed') },
        oldestDueAgeSeconds: oldest === null || oldest === undefined ? null : Number(oldest),
        waitingByType: await waitingByType(),
      };
    },

    waitingByType,

    async depth() {
      const { recordset } = await (await request()).query<MssqlRow>(sql.depth);
      const row = oneRow(recordset, 'depth'); // scalar subqueries only: always one row
      return toStatusCounts((name) => column(row, name));
    },

    async listDeadLetters(limit) {
      assertListLimit(limit);
      const { recordset } = await (await request()).input('limit', mssql.Int, limit).query<MssqlRow>(sql.listDeadLetters);
      return recordset.map(toQueueMessageRow);
    },

    async requeueDeadLetters(ids) {
      if (ids !== undefined && ids.length === 0) return 0;
      for (const id of ids ?? []) assertUuid(id, 'dead letter id');
      const result = await (
        await request()
      )
        .input('ids', mssql.NVarChar(mssql.MAX), ids === undefined ? null : JSON.stringify(ids))
        .query<MssqlRow>(sql.requeueDeadLetters);
      return rowCountOf(result.recordset);
    },

    async listMessages(query) {
      assertPageLimit(query.limit);
      if (query.afterId !== undefined) assertUuid(query.afterId, 'cursor id');
      const r = (await request())
        .input('limit', mssql.Int, query.limit)
        .input('status', mssql.NVarChar(50), query.status ?? null)
        .input('type', mssql.NVarChar(255), query.messageType ?? null)
        .input('q', mssql.UniqueIdentifier, searchedUuid(query.search))
        .input('dedupeKey', mssql.NVarChar(255), query.search === undefined || query.search.length > 255 ? null : query.search);
      const { recordset } =
        query.afterId === undefined
          ? await r.query<MssqlRow>(sql.listMessages)
          : await r.input('after', mssql.UniqueIdentifier, query.afterId).query<MssqlRow>(sql.listMessagesAfter);
      return recordset.map(toQueueMessageRow);
    },

    async requeueMessage(id, statuses) {
      assertUuid(id, 'message id');
      const result = await (
        await request()
      )
        .input('id', mssql.UniqueIdentifier, id)
        .input('statuses', mssql.NVarChar(mssql.MAX), JSON.stringify(operatorStatuses(statuses)))
        .query<MssqlRow>(sql.requeueMessage);
      return rowCountOf(result.recordset) === 1;
    },

    async deleteMessage(id, statuses) {
      assertUuid(id, 'message id');
      const result = await (
        await request()
      )
        .input('id', mssql.UniqueIdentifier, id)
        .input('statuses', mssql.NVarChar(mssql.MAX), JSON.stringify(operatorStatuses(statuses)))
        .query<MssqlRow>(sql.deleteMessage);
      return rowCountOf(result.recordset) === 1;
    },

    async requeueDeadLettersMatching(filter, batchSize) {
      const result = await bindDeadLetterFilter(await request(), filter, batchSize).query<MssqlRow>(sql.requeueDeadLettersMatching);
      return rowCountOf(result.recordset);
    },

    async deleteDeadLettersMatching(filter, batchSize) {
      const result = await bindDeadLetterFilter(await request(), filter, batchSize).query<MssqlRow>(sql.deleteDeadLettersMatching);
      return rowCountOf(result.recordset);
    },

    async purge(status, olderThanMs, batchSize) {
      assertPurgeBatch(batchSize);
      const olderThan = splitDelay(olderThanMs, 'purge olderThanMs');
      const result = await (
        await request()
      )
        .input('status', mssql.NVarChar(50), status)
        .input('olderThanSeconds', mssql.Int, olderThan.seconds)
        .input('olderThanMillis', mssql.Int, olderThan.millis)
        .input('batchSize', mssql.Int, Math.min(batchSize, MAX_PURGE_BATCH))
        .query<MssqlRow>(sql.purge);
      return rowCountOf(result.recordset);
    },

    async ping() {
      await (await request()).query(sql.ping);
    },

    async missingIndexes() {
      const result = await (await request()).query<IndexKeyRow>(sql.listIndexes);
      return missingIndexShapes(EXPECTED_INDEXES, result.recordset);
    },

    close: shared.close,
  };
}

function assertMaxLength(value: string, max: number, what: string): void {
  if (value.length > max) throw new RangeError(`${what} is ${value.length} characters; the column holds at most ${max}`);
}

/**
 * The application-lock name of a dedupe key: sp_getapplock names hold 255 characters, so table
 * and key are hashed (the same key of another table is another lock).
 */
function dedupeLockResource(table: string, key: string): string {
  return `tqw:dedupe:${createHash('sha256').update(table).update('\u0000').update(key).digest('hex')}`;
}

/** The mssql.Transaction inside a StoreTransaction, checked (a PostgreSQL client here is a caller bug). */
function transactionOf(tx: StoreTransaction, tenantId: string): mssql.Transaction {
  const handle = tx.handle as Partial<mssql.Transaction> | null;
  if (tx.dialect !== 'sqlserver' || typeof handle?.request !== 'function') {
    throw new TypeError(
      `tenant '${tenantId}' is on SQL Server but was given a ${tx.dialect} transaction; ` +
        'pass the transaction of this tenant (an mssql.Transaction that has begun)',
    );
  }
  return handle as mssql.Transaction;
}

/**
 * The probe group of a tenant: its server and login when its connection string names a database
 * (three-part names reach every database there), else its own database (pool key).
 */
function groupKey(tenant: Tenant): string {
  const parsed = parseConnectionString(tenant.connectionString);
  if (parsed.database === '') return sharingKey(tenant);
  // Same server and login, and the same password: a tenant whose password is wrong must not be
  // probed through another tenant's connection (see sharingKey).
  return withDigest(`${poolKeyOf({ ...parsed, database: '' })}|server`, `${parsed.user}\u0000${parsed.password ?? ''}`);
}

/** `[database].[schema].[QueueMessages]` (`[database]..[QueueMessages]`: the login's default schema there), or two-part without a database. */
function groupTable(tenant: Tenant, database: string | undefined): string {
  if (!database) return quoteTable(tenant.schema);
  return `${quoteIdent(database)}.${tenant.schema === undefined ? '' : quoteIdent(tenant.schema)}.${quoteIdent(QUEUE_TABLE)}`;
}
