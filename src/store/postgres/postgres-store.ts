import type pg from 'pg';
import { newMessageId } from '../message-id';
import { oneRow } from '../shared/one-row';
import type { PoolRegistry } from '../pool-registry';
import { storePool } from '../shared/store-pool';
import { assertClaimOptions, assertListLimit, assertPurgeBatch, checkedSnoozeDelay } from '../shared/store-input';
import { byPriorityThenScheduledTime, toStatusCounts } from '../shared/rows';
import type { Tenant } from '../../tenants/types';
import {
  DEFAULT_POOL_OPTIONS,
  DEFAULT_STORE_OPTIONS,
  type AttemptError,
  type ClaimOptions,
  type ClaimedMessage,
  type EnqueueOutcome,
  type NewMessage,
  type ClaimFence,
  type DeadLetterFilter,
  type PoolOptions,
  type QueueStore,
  type StoreOptions,
  type StoreTransaction,
} from '../types';
import { runClaimTransaction, runCompletingTransaction } from './claim-transaction';
import { TransactionChain } from './transaction-chain';
import { sharingKey } from '../sharing-key';
import { byTypeCounts } from '../by-type-counts';
import { checkedPriority } from '../priority';
import { MAX_DEDUPE_ROUNDS, checkedDedupeKey } from '../dedupe-key';
import { createPgPool } from './create-pool';
import { EXPECTED_INDEXES } from './expected-indexes';
import { missingIndexes } from '../missing-indexes';
import { createPostgresGroup } from './group';
import type { PgListenerRegistry } from './notify-listener';
import { runMigrations } from './migrate';
import { serializePayload } from './payload';
import { claimWithinLimits, rotate } from '../shared/limited-claim';
import { quoteTable } from './quote-table';
import { pauseKey, toPauseState } from '../shared/pause-switch';
import { occurrenceOutcome } from '../occurrence-outcome';
import { CLAIM_TYPES } from './fast-types';
import { preparedName } from './prepared';
import { fenceArrays } from './fence-arrays';
import { checkClaimColumns, fenceParams, toClaimedMessage, toQueueMessageRow, type PgClaimedRow, type PgQueueRow } from './row-mapper';
import { postgresStatements } from './statements';
import { assertPageLimit, operatorStatuses, searchedUuid } from '../operator-checks';

type Queryable = Pick<pg.Pool, 'query'>;

/**
 * Pools shared by at most this many tenant tables use named prepared statements for the claim and
 * the opening UPDATE of transactional handlers: every connection keeps a plan per statement and
 * table, which a pool serving a thousand schemas must not accumulate (those send them unnamed).
 */
const MAX_TABLES_FOR_PREPARED = 16;
/** count(*) is bigint, which node-postgres returns as a string (toStatusCounts makes numbers). */
type Counts = { Pending: string; Processing: string; Failed: string; DeadLetter: string };

/**
 * The PostgreSQL QueueStore of one tenant: `[schema.]"QueueMessages"` through the pool shared by
 * every tenant of the same database connecting the same way (sharingKey), acquired on first use and
 * let go by close().
 * Statement shapes and their reasons live in ./sql; this file only binds parameters and maps rows.
 * `listeners` (optional) provides the LISTEN/NOTIFY wake-ups of subscribe(). `storeOptions`
 * chooses the completing statements (deleteOnCompletion: fenced DELETEs, see statements.ts).
 */
export function createPostgresStore(
  tenant: Tenant,
  pools: PoolRegistry<pg.Pool>,
  poolOptions: PoolOptions = DEFAULT_POOL_OPTIONS,
  listeners?: PgListenerRegistry,
  storeOptions: StoreOptions = DEFAULT_STORE_OPTIONS,
): QueueStore {
  const table = quoteTable(tenant.schema);
  const sql = postgresStatements(table, storeOptions);
  const shared = storePool(
    pools,
    sharingKey(tenant),
    () => createPgPool(tenant.connectionString, poolOptions),
    `tenant '${tenant.id}' (${table})`,
  );
  const completingName = preparedName(sql.completingUpdate);
  const claimName = preparedName(sql.claim);
  const claimByTypeName = preparedName(sql.claimByType);
  const completeManyName = preparedName(sql.completeMany);
  /** A statement's prepared name where few tables share the pool (see MAX_TABLES_FOR_PREPARED), else undefined. */
  const prepared = (name: string): string | undefined => (shared.sharedBy() <= MAX_TABLES_FOR_PREPARED ? name : undefined);
  const pool = shared.pool;
  /** Transactions of transactional handlers, commits chained to the next opening (see transaction-chain.ts). */
  const transactions = new TransactionChain(pool);
  /** The caller's transaction client when given (outbox, transactional handler), else the pool. */
  const via = (tx: StoreTransaction | undefined): Queryable => (tx ? clientOf(tx, tenant.id) : pool());
  const fenced = async (text: string, fence: ClaimFence, ...more: unknown[]): Promise<boolean> =>
    (await pool().query(text, [...fenceParams(fence), ...more])).rowCount === 1;

  /** $1..$7 of enqueue.ts. */
  const messageValues = (message: NewMessage, id: string): unknown[] => [
    id,
    message.tenantId,
    message.messageType,
    serializePayload(message.payload, message.messageType),
    message.delayMs ?? 0,
    message.correlationId ?? null,
    checkedPriority(message.priority),
  ];

  const enqueueMessage = async (message: NewMessage, tx?: StoreTransaction): Promise<EnqueueOutcome> => {
    const id = message.id ?? newMessageId('postgres');
    const values = messageValues(message, id);
    const key = checkedDedupeKey(message.dedupeKey);
    const client = via(tx);
    if (key === null) {
      await client.query(sql.enqueue, values);
      return { id, deduplicated: false };
    }
    // The holder of the key may complete between the two statements: then insert again.
    for (let round = 0; round < MAX_DEDUPE_ROUNDS; round++) {
      const inserted = await client.query<{ Id: string }>(sql.enqueueDeduped, [...values, key]);
      if (inserted.rows[0]) return { id, deduplicated: false };
      const existing = await client.query<{ Id: string }>(sql.findByDedupeKey, [key]);
      if (existing.rows[0]) return { id: existing.rows[0].Id, deduplicated: true };
    }
    throw new Error(`enqueue of tenant '${tenant.id}': dedupe key '${key}' kept changing hands; try again`);
  };

  /** The claim statement on `via` (the pool, or a limited claim's transaction client). */
  const claimVia = async (via: Queryable, options: ClaimOptions): Promise<ClaimedMessage[]> => {
    const { limit, leaseMs, types } = options;
    // Prepared where few tables share the pool (see MAX_TABLES_FOR_PREPARED): planning this
    // statement costs about as much as running it for a batch of ten rows.
    // Figures: docs/performance.md, "Claim: a prepared statement".
    const query =
      types === undefined
        ? { name: prepared(claimName), text: sql.claim, values: [limit, leaseMs] }
        : { name: prepared(claimByTypeName), text: sql.claimByType, values: [limit, leaseMs, [...types]] };
    const result = await via.query<PgClaimedRow>({ ...query, types: CLAIM_TYPES, rowMode: 'array' });
    checkClaimColumns(result.fields);
    return result.rows.map(toClaimedMessage).sort(byPriorityThenScheduledTime);
  };
  /** Rotates which limited type a limited claim takes first (this store's claims only). */
  let limitedRound = 0;

  const waitingByType = async (): Promise<Record<string, number>> =>
    byTypeCounts((await pool().query<{ MessageType: string; Count: number }>(sql.waitingByType)).rows);

  return {
    dialect: 'postgres',
    tenantId: tenant.id,
    tableName: table,

    migrate() {
      return runMigrations(pool(), tenant.schema);
    },

    async claim(options) {
      assertClaimOptions(options);
      if (options.types !== undefined && options.types.length === 0) return [];
      return claimVia(pool(), options);
    },

    async claimLimited(options, limits) {
      assertClaimOptions(options);
      const served = options.types;
      if (served.length === 0) return [];
      const order = rotate(served, limitedRound++);
      const client = await pool().connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const rows = await claimWithinLimits(
          {
            lockBuckets: async (scopes, capacities) => {
              const { rows: locked } = await client.query<{ Scope: string; Tokens: number; ElapsedMs: number; Now: Date }>(
                sql.lockBuckets,
                [scopes, capacities],
              );
              const buckets = new Map(locked.map((r) => [r.Scope, { tokens: r.Tokens, elapsedMs: r.ElapsedMs }]));
              return { buckets, now: locked[0]?.Now ?? new Date() };
            },
            runningByType: async () => {
              const { rows: running } = await client.query<{ MessageType: string; Running: number }>(sql.runningByType, [options.leaseMs]);
              return new Map(running.map((r) => [r.MessageType, r.Running]));
            },
            claim: (types, limit) => claimVia(client, { limit, leaseMs: options.leaseMs, types }),
            saveBuckets: async (tokens, asOf) => {
              await client.query(sql.saveBuckets, [[...tokens.keys()], [...tokens.values()], asOf]);
            },
          },
          limits,
          options.limit,
          served,
          order,
        );
        await client.query('COMMIT');
        return rows.sort(byPriorityThenScheduledTime);
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
          broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
        });
        throw err;
      } finally {
        client.release(broken);
      }
    },

    async withClaimTransaction(fence, fn) {
      return runClaimTransaction(pool(), table, fence, fn, tenant.schema);
    },

    async withCompletingTransaction(fence, fn) {
      // A prepared statement lives on each connection of the pool; with many tenant tables per
      // database that would be many plans per connection, so only few-table pools prepare it.
      const name = prepared(completingName);
      return runCompletingTransaction(transactions, sql.completingUpdate, fence, fn, tenant.schema, name);
    },

    group: createPostgresGroup(sharingKey(tenant), table, pool),

    async pause(messageType) {
      return ((await pool().query(sql.pause, [pauseKey(messageType)])).rowCount ?? 0) > 0;
    },

    async resume(messageType) {
      return ((await pool().query(sql.resume, [pauseKey(messageType)])).rowCount ?? 0) > 0;
    },

    async pauseState() {
      return toPauseState((await pool().query<{ MessageType: string }>(sql.pauseState)).rows);
    },

    subscribe(subscriber) {
      shared.assertOpen();
      return listeners?.subscribe(tenant, subscriber);
    },

    async complete(fence, tx) {
      return (await via(tx).query(sql.complete, fenceParams(fence))).rowCount === 1;
    },

    async completeMany(fences) {
      if (fences.length === 0) return [];
      // Prepared too: planning the unnest join costs about as much as running it for a small batch.
      const p = pool();
      const { rows } = await p.query<{ Id: string }>({
        name: prepared(completeManyName),
        text: sql.completeMany,
        values: fenceArrays(fences),
      });
      return rows.map((r) => r.Id);
    },

    retry: (fence, { delayMs, error, code }) => fenced(sql.retry, fence, delayMs, error, code ?? null),
    deadLetter: (fence, error, code) => fenced(sql.deadLetter, fence, error, code ?? null),

    async errorHistory(ids) {
      const history = new Map<string, AttemptError[]>(ids.map((id) => [id.toLowerCase(), []]));
      if (ids.length === 0) return history;
      const { rows } = await pool().query<{
        MessageId: string;
        Attempt: number;
        FailedAt: Date;
        ErrorMessage: string;
        ErrorCode: string | null;
      }>(sql.errorHistory, [[...ids]]);
      for (const r of rows)
        history.get(r.MessageId)?.push({ attempt: r.Attempt, failedAt: r.FailedAt, error: r.ErrorMessage, code: r.ErrorCode });
      return history;
    },
    release: (fence, reason) => fenced(sql.release, fence, reason),
    async snooze(fence, { delayMs }) {
      return fenced(sql.snooze, fence, checkedSnoozeDelay(delayMs));
    },

    async extendLease(fence) {
      const { rows } = await pool().query<{ Id: string; DequeueTime: Date; ProcessingAttempts: number }>(
        sql.extendLease,
        fenceParams(fence),
      );
      const row = rows[0];
      return row ? { id: row.Id, dequeueTime: row.DequeueTime, processingAttempts: row.ProcessingAttempts } : null;
    },

    async enqueue(message, tx) {
      return (await enqueueMessage(message, tx)).id;
    },

    enqueueMessage,

    async enqueueIfAbsent(message, tx) {
      return ((await via(tx).query(sql.enqueueIfAbsent, messageValues(message, message.id))).rowCount ?? 0) === 1;
    },

    async enqueueOccurrence({ schedule, occurrence, enqueue, message }) {
      const { rows } = await pool().query<{ Seeded: boolean; Advanced: boolean; Inserted: boolean }>(sql.enqueueOccurrence, [
        ...messageValues(message, message.id),
        schedule,
        occurrence,
        enqueue,
      ]);
      const r = oneRow(rows, 'enqueue-occurrence'); // a SELECT of scalars: always one row
      return occurrenceOutcome(r.Seeded, r.Advanced, r.Inserted, enqueue);
    },

    async getMessage(id) {
      const { rows } = await pool().query<PgQueueRow>(sql.getMessage, [id]);
      return rows[0] ? toQueueMessageRow(rows[0]) : null;
    },

    async stats() {
      const { rows } = await pool().query<Counts & { Completed: string; OldestDueAgeSeconds: string | null }>(sql.stats);
      const r = oneRow(rows, 'stats'); // an aggregate without GROUP BY always returns one row
      return {
        counts: { ...toStatusCounts((name) => r[name as keyof Counts]), Completed: Number(r.Completed) },
        oldestDueAgeSeconds: r.OldestDueAgeSeconds === null ? null : Number(r.OldestDueAgeSeconds),
        waitingByType: await waitingByType(),
      };
    },

    waitingByType,

    async depth() {
      const { rows } = await pool().query<Counts>(sql.depth);
      const r = oneRow(rows, 'depth'); // scalar subqueries only: always one row
      return toStatusCounts((name) => r[name as keyof Counts]);
    },

    async listDeadLetters(limit) {
      assertListLimit(limit);
      const { rows } = await pool().query<PgQueueRow>(sql.listDeadLetters, [limit]);
      return rows.map(toQueueMessageRow);
    },

    async requeueDeadLetters(ids) {
      if (ids !== undefined && ids.length === 0) return 0;
      const result = await pool().query(sql.requeueDeadLetters, [ids === undefined ? null : [...ids]]);
      return result.rowCount ?? 0;
    },

    async listMessages(query) {
      assertPageLimit(query.limit);
      const { rows } = await pool().query<PgQueueRow>(sql.listMessages, [
        query.status ?? null,
        query.messageType ?? null,
        searchedUuid(query.search),
        query.afterId ?? null,
        query.limit,
        query.search ?? null,
      ]);
      return rows.map(toQueueMessageRow);
    },

    async requeueMessage(id, statuses) {
      return ((await pool().query(sql.requeueMessage, [id, operatorStatuses(statuses)])).rowCount ?? 0) === 1;
    },

    async deleteMessage(id, statuses) {
      return ((await pool().query(sql.deleteMessage, [id, operatorStatuses(statuses)])).rowCount ?? 0) === 1;
    },

    async requeueDeadLettersMatching(filter, batchSize) {
      const result = await pool().query(sql.requeueDeadLettersMatching, deadLetterParams(filter, batchSize));
      return result.rowCount ?? 0;
    },

    async deleteDeadLettersMatching(filter, batchSize) {
      const result = await pool().query(sql.deleteDeadLettersMatching, deadLetterParams(filter, batchSize));
      return result.rowCount ?? 0;
    },

    async purge(status, olderThanMs, batchSize) {
      assertPurgeBatch(batchSize);
      const result = await pool().query(sql.purge, [status, olderThanMs, batchSize]);
      return result.rowCount ?? 0;
    },

    async ping() {
      await pool().query(sql.ping);
    },

    async missingIndexes() {
      const result = await pool().query<{ indexname: string }>(sql.listIndexes, [tenant.schema ?? null]);
      return missingIndexes(
        EXPECTED_INDEXES,
        result.rows.map((r) => r.indexname),
      );
    },

    close: shared.close,
  };
}

/** $1..$4 of dead-letters-matching.ts. */
function deadLetterParams(filter: DeadLetterFilter, batchSize: number): unknown[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be an integer >= 1, got ${batchSize}`);
  return [filter.messageType ?? null, filter.errorContains ?? null, filter.ids === undefined ? null : [...filter.ids], batchSize];
}

function clientOf(tx: StoreTransaction, tenantId: string): Queryable {
  const handle = tx.handle as Partial<Queryable> | null;
  if (tx.dialect !== 'postgres' || typeof handle?.query !== 'function') {
    throw new TypeError(
      `tenant '${tenantId}' is on PostgreSQL but was given a ${tx.dialect} transaction; ` +
        'pass the transaction of this tenant (a pg client inside BEGIN)',
    );
  }
  return handle as Queryable;
}
