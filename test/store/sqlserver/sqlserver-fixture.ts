/**
 * The SQL Server fixture of the store contract suite (test/store/store-contract.ts): one fresh
 * database per fixture (createTestMssqlDatabase, needs MSSQL_URL), one fresh schema per store, and
 * plain T-SQL for what the suite does behind the store's back (producer rows, handler effects,
 * the clock). Creating the fixture touches nothing; setup() is where the server is needed.
 */
import { randomBytes } from 'node:crypto';
import mssql from 'mssql';
import type { PoolRegistry } from '../../../src/store/pool-registry';
import { sqlServerConfig } from '../../../src/store/sqlserver/connection-config';
import { createSqlServerPoolRegistry } from '../../../src/store/sqlserver/create-pool';
import { quoteTable } from '../../../src/store/sqlserver/quote-table';
import { createSqlServerStore } from '../../../src/store/sqlserver/sqlserver-store';
import {
  DEFAULT_STORE_OPTIONS,
  type PoolOptions,
  type QueueStore,
  type StoreOptions,
  type StoreTransaction,
} from '../../../src/store/types';
import type { Tenant } from '../../../src/tenants/types';
import { createTestMssqlDatabase, sqlServerTenant, type TestMssqlDatabase } from '../../support/mssql';
import type { MakeStoreOptions, RawRow, StoreContractFixture } from '../store-contract';

/** Small pools that close idle connections quickly: many stores per test file. */
export const TEST_POOL_OPTIONS: PoolOptions = { max: 6, idleTimeoutMs: 1_000, connectTimeoutMs: 15_000 };

export interface SqlServerStoreFixture extends StoreContractFixture {
  database(): TestMssqlDatabase;
  /** A batch on the fixture's database through the fixture's own pool (not the store's). */
  query<R = Record<string, unknown>>(sql: string, bind?: (request: mssql.Request) => mssql.Request): Promise<R[]>;
  tenantOf(store: QueueStore): Tenant;
  makeTenant(tenantId: string, schema: string | undefined, connectionString?: string): Tenant;
}

/** The same rounding the store's @now uses, so before <= claimed <= after holds at millisecond precision. */
const DB_NOW = 'CAST(SYSUTCDATETIME() AS DATETIMEOFFSET(3))';

export function createSqlServerStoreFixture(prefix = 'tqw_store'): SqlServerStoreFixture {
  let db: TestMssqlDatabase | undefined;
  let raw: mssql.ConnectionPool | undefined;
  const made = new Map<QueueStore, { tenant: Tenant; pools: PoolRegistry<mssql.ConnectionPool>; storeOptions: StoreOptions }>();
  const registries = new Set<PoolRegistry<mssql.ConnectionPool>>();

  const database = (): TestMssqlDatabase => {
    if (!db) throw new Error('store fixture used before setup()');
    return db;
  };
  const rawPool = (): mssql.ConnectionPool => {
    if (!raw) throw new Error('store fixture used before setup()');
    return raw;
  };
  const infoOf = (store: QueueStore) => {
    const info = made.get(store);
    if (!info) throw new Error('store was not made by this fixture');
    return info;
  };
  const effectsTable = (store: QueueStore) => quoteTable(infoOf(store).tenant.schema, 'HandlerEffects');
  const query = async <R = Record<string, unknown>>(sql: string, bind: (r: mssql.Request) => mssql.Request = (r) => r) =>
    (await bind(rawPool().request()).query<R>(sql)).recordset ?? [];
  const newRegistry = () => {
    const r = createSqlServerPoolRegistry();
    registries.add(r);
    return r;
  };
  const open = (tenant: Tenant, pools: PoolRegistry<mssql.ConnectionPool>, storeOptions: StoreOptions): QueueStore => {
    const store = createSqlServerStore(tenant, pools, TEST_POOL_OPTIONS, storeOptions);
    made.set(store, { tenant, pools, storeOptions });
    return store;
  };
  const makeTenant = (tenantId: string, schema: string | undefined, connectionString = database().connectionString) =>
    sqlServerTenant(tenantId, connectionString, schema);

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
      db = await createTestMssqlDatabase(prefix);
      raw = new mssql.ConnectionPool({ ...sqlServerConfig(db.connectionString, 'test database'), pool: { max: 4, min: 0 } });
      raw.on('error', () => undefined);
      await raw.connect();
    },

    afterEachTest: closeEverything,

    async teardown() {
      await closeEverything();
      await raw?.close();
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
      const [row] = await query<{ now: Date }>(`SELECT ${DB_NOW} AS [now];`);
      return row!.now;
    },

    async insertRawRow(store, row: RawRow) {
      const at = (param: string) => `CASE WHEN ${param} IS NULL THEN NULL ELSE DATEADD(millisecond, ${param}, @now) END`;
      await query(
        `DECLARE @now DATETIMEOFFSET(3) = ${DB_NOW};
INSERT INTO ${store.tableName}
  (Id, TenantId, MessageType, Payload, Status, ProcessingAttempts, ErrorMessage, ScheduledTime, CreatedAt, LastAttemptTime, DequeueTime)
VALUES
  (@id, @tenantId, @messageType, @payload, @status, @attempts, @error,
   DATEADD(millisecond, @scheduledOffset, @now), DATEADD(millisecond, @createdOffset, @now),
   ${at('@lastAttemptOffset')}, ${at('@dequeueOffset')});`,
        (r) =>
          r
            .input('id', mssql.UniqueIdentifier, row.id)
            .input('tenantId', mssql.NVarChar(50), row.tenantId)
            .input('messageType', mssql.NVarChar(255), row.messageType)
            .input('payload', mssql.NVarChar(mssql.MAX), row.payload)
            .input('status', mssql.NVarChar(50), row.status ?? 'Pending')
            .input('attempts', mssql.Int, row.processingAttempts ?? 0)
            .input('error', mssql.NVarChar(mssql.MAX), row.errorMessage ?? null)
            .input('scheduledOffset', mssql.Int, row.scheduledOffsetMs ?? 0)
            .input('createdOffset', mssql.Int, row.createdOffsetMs ?? 0)
            .input('lastAttemptOffset', mssql.Int, row.lastAttemptOffsetMs ?? null)
            .input('dequeueOffset', mssql.Int, row.dequeueOffsetMs ?? null),
      );
    },

    async createEffectsTable(store) {
      await query(`CREATE TABLE ${effectsTable(store)} (MessageId UNIQUEIDENTIFIER NOT NULL PRIMARY KEY);`);
    },

    async insertEffect(store, tx: StoreTransaction, messageId) {
      await new mssql.Request(tx.handle as mssql.Transaction)
        .input('id', mssql.UniqueIdentifier, messageId)
        .query(`INSERT INTO ${effectsTable(store)} (MessageId) VALUES (@id);`);
    },

    async countEffects(store, messageId) {
      const [row] = await query<{ n: number }>(`SELECT COUNT(*) AS [n] FROM ${effectsTable(store)} WHERE MessageId = @id;`, (r) =>
        r.input('id', mssql.UniqueIdentifier, messageId),
      );
      return row!.n;
    },

    async callerTransaction(_store, fn) {
      const transaction = new mssql.Transaction(rawPool());
      await transaction.begin();
      const result = await fn({ dialect: 'sqlserver', handle: transaction }).catch(async (err: unknown) => {
        await transaction.rollback();
        throw err;
      });
      await transaction.commit();
      return result;
    },
  };
}
