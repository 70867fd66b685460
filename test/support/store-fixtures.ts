/**
 * The PostgreSQL fixture of the store contract suite (test/store/store-contract.ts): one fresh
 * database per fixture (createTestDatabase), one fresh schema per store, and plain SQL for what
 * the suite needs to do behind the store's back (producer rows, handler effects, the clock).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { PoolRegistry } from '../../src/store/pool-registry';
import { createPostgresPoolRegistry } from '../../src/store/postgres/create-pool';
import { createPostgresStore } from '../../src/store/postgres/postgres-store';
import { quoteTable } from '../../src/store/postgres/quote-table';
import { DEFAULT_STORE_OPTIONS, type PoolOptions, type QueueStore, type StoreOptions, type StoreTransaction } from '../../src/store/types';
import type { Tenant } from '../../src/tenants/types';
import type { MakeStoreOptions, RawRow, StoreContractFixture } from '../store/store-contract';
import { createTestDatabase, type TestDatabase } from './postgres';

/** Small pools that close idle connections quickly: many stores per test file, one server for all files. */
export const TEST_POOL_OPTIONS: PoolOptions = { max: 6, idleTimeoutMs: 1_000, connectTimeoutMs: 5_000 };

export interface PostgresStoreFixture extends StoreContractFixture {
  /** The fixture's database (after setup). */
  database(): TestDatabase;
  /** A query on the fixture's database through the fixture's own pool (not the store's). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /** The tenant a store was made for. */
  tenantOf(store: QueueStore): Tenant;
  /** A tenant of this database (e.g. to build a store by hand with createPostgresStore). */
  makeTenant(tenantId: string, schema: string | undefined, connectionString?: string): Tenant;
}

/** A tenant as the tenants module would build it from a postgres:// URL. */
export function postgresTenant(tenantId: string, connectionString: string, schema: string | undefined): Tenant {
  const url = new URL(connectionString);
  const redacted = new URL(connectionString);
  if (redacted.password) redacted.password = '***';
  return {
    id: tenantId,
    dialect: 'postgres',
    connectionString,
    schema,
    redactedConnection: redacted.toString(),
    poolKey: `postgres|${url.hostname}:${url.port}|${url.pathname.slice(1)}|${decodeURIComponent(url.username)}`,
  };
}

export function createPostgresStoreFixture(prefix = 'tqw_store'): PostgresStoreFixture {
  let db: TestDatabase | undefined;
  let raw: pg.Pool | undefined;
  const made = new Map<QueueStore, { tenant: Tenant; pools: PoolRegistry<pg.Pool>; storeOptions: StoreOptions }>();
  const registries = new Set<PoolRegistry<pg.Pool>>();

  const database = (): TestDatabase => {
    if (!db) throw new Error('store fixture used before setup()');
    return db;
  };
  const rawPool = (): pg.Pool => {
    if (!raw) throw new Error('store fixture used before setup()');
    return raw;
  };
  const infoOf = (store: QueueStore) => {
    const info = made.get(store);
    if (!info) throw new Error('store was not made by this fixture');
    return info;
  };
  const schemaOf = (store: QueueStore) => infoOf(store).tenant.schema;
  const query = async <R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]> =>
    (await rawPool().query<R>(sql, params)).rows;
  const newRegistry = () => {
    const r = createPostgresPoolRegistry();
    registries.add(r);
    return r;
  };
  const open = (tenant: Tenant, pools: PoolRegistry<pg.Pool>, storeOptions: StoreOptions): QueueStore => {
    const store = createPostgresStore(tenant, pools, TEST_POOL_OPTIONS, undefined, storeOptions);
    made.set(store, { tenant, pools, storeOptions });
    return store;
  };
  const makeTenant = (tenantId: string, schema: string | undefined, connectionString = database().url) =>
    postgresTenant(tenantId, connectionString, schema);

  async function closeEverything(): Promise<void> {
    const stores = [...made.keys()];
    made.clear();
    await Promise.allSettled(stores.map((s) => s.close()));
    const regs = [...registries];
    registries.clear();
    await Promise.allSettled(regs.map((r) => r.closeAll()));
  }

  return {
    database,
    query,
    makeTenant,
    tenantOf: (store) => infoOf(store).tenant,

    async setup() {
      db = await createTestDatabase(prefix);
      raw = new pg.Pool({ connectionString: db.url, max: 4, idleTimeoutMillis: 1_000 });
      raw.on('error', () => undefined);
    },

    afterEachTest: closeEverything,

    async teardown() {
      await closeEverything();
      await raw?.end();
      await db?.drop();
    },

    async makeStore(tenantId: string, options: MakeStoreOptions = {}) {
      const schema = options.schema === null ? undefined : (options.schema ?? `t_${randomBytes(5).toString('hex')}`);
      const pools = options.sharePoolsWith ? infoOf(options.sharePoolsWith).pools : newRegistry();
      const store = open(makeTenant(tenantId, schema), pools, {
        deleteOnCompletion: options.deleteOnCompletion ?? false,
        asyncCommit: options.asyncCommit ?? false,
        asyncClaims: options.asyncClaims ?? DEFAULT_STORE_OPTIONS.asyncClaims,
      });
      if (options.migrate !== false) await store.migrate();
      return store;
    },

    async openPeer(store) {
      const { tenant, storeOptions } = infoOf(store);
      return open(tenant, newRegistry(), storeOptions);
    },

    openPoolCount: (store) => infoOf(store).pools.size,

    async dbNow() {
      const [row] = await query<{ now: Date }>('SELECT clock_timestamp() AS now');
      return row!.now;
    },

    async insertRawRow(store, row: RawRow) {
      const at = (offsetMs: number | null | undefined) => (offsetMs === null || offsetMs === undefined ? null : offsetMs);
      await query(
        `INSERT INTO ${store.tableName}
           ("Id", "TenantId", "MessageType", "Payload", "Status", "ProcessingAttempts", "ErrorMessage",
            "ScheduledTime", "CreatedAt", "LastAttemptTime", "DequeueTime")
         VALUES ($1, $2, $3, $4, $5, $6, $7,
            now() + $8::float8 * interval '1 millisecond',
            now() + $9::float8 * interval '1 millisecond',
            date_trunc('milliseconds', now() + $10::float8 * interval '1 millisecond'),
            date_trunc('milliseconds', now() + $11::float8 * interval '1 millisecond'))`,
        [
          row.id,
          row.tenantId,
          row.messageType,
          row.payload,
          row.status ?? 'Pending',
          row.processingAttempts ?? 0,
          row.errorMessage ?? null,
          row.scheduledOffsetMs ?? 0,
          row.createdOffsetMs ?? 0,
          at(row.lastAttemptOffsetMs),
          at(row.dequeueOffsetMs),
        ],
      );
    },

    async createEffectsTable(store) {
      await query(`CREATE TABLE ${quoteTable(schemaOf(store), 'HandlerEffects')} ("MessageId" uuid PRIMARY KEY)`);
    },

    async insertEffect(store, tx: StoreTransaction, messageId) {
      const client = tx.handle as pg.PoolClient;
      await client.query(`INSERT INTO ${quoteTable(schemaOf(store), 'HandlerEffects')} ("MessageId") VALUES ($1)`, [messageId]);
    },

    async countEffects(store, messageId) {
      const [row] = await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${quoteTable(schemaOf(store), 'HandlerEffects')} WHERE "MessageId" = $1`,
        [messageId],
      );
      return row!.n;
    },

    async callerTransaction(_store, fn) {
      const client = await rawPool().connect();
      try {
        await client.query('BEGIN');
        try {
          const result = await fn({ dialect: 'postgres', handle: client });
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      } finally {
        client.release();
      }
    },
  };
}
