import type { Pool } from 'pg';
import type { ConnectionPool } from 'mssql';
import type { Tenant } from '../tenants/types';
import { PoolRegistry } from './pool-registry';
import { DEFAULT_NOTIFY_OPTIONS, PgListenerRegistry, type NotifyOptions } from './postgres/notify-listener';
import { createPostgresStore } from './postgres/postgres-store';
import { DEFAULT_POOL_OPTIONS, DEFAULT_STORE_OPTIONS, type PoolOptions, type QueueStore, type StoreOptions } from './types';

/**
 * The connection pools of one process, one registry per dialect. Tenants with the same
 * `poolKey` (same database) share a pool; each pool opens connections lazily and closes idle ones.
 * Also carries what every store opened through them is given: `options` (pool settings) and
 * `storeOptions` (what the stores write, e.g. deleteOnCompletion): the keys given override
 * DEFAULT_STORE_OPTIONS, so `{ deleteOnCompletion: true }` keeps every other default.
 */
export class StorePools {
  readonly postgres = new PoolRegistry<Pool>((pool) => pool.end());
  readonly sqlserver = new PoolRegistry<ConnectionPool>(async (pool) => {
    await pool.close();
  });

  /** PostgreSQL LISTEN connections (one per database at most), used by stores' subscribe(). */
  readonly listeners: PgListenerRegistry;

  readonly storeOptions: Readonly<StoreOptions>;

  constructor(
    readonly options: PoolOptions = DEFAULT_POOL_OPTIONS,
    notify: NotifyOptions = { ...DEFAULT_NOTIFY_OPTIONS, connectTimeoutMs: options.connectTimeoutMs },
    storeOptions: Partial<StoreOptions> = {},
  ) {
    this.listeners = new PgListenerRegistry(notify);
    this.storeOptions = Object.freeze({ ...DEFAULT_STORE_OPTIONS, ...storeOptions });
  }

  get size(): number {
    return this.postgres.size + this.sqlserver.size;
  }

  async closeAll(): Promise<void> {
    await Promise.all([this.listeners.closeAll(), this.postgres.closeAll(), this.sqlserver.closeAll()]);
  }
}

/** Opens the store for a tenant, by the dialect its connection string named. */
export function createStore(tenant: Tenant, pools: StorePools): QueueStore {
  switch (tenant.dialect) {
    case 'postgres':
      return createPostgresStore(tenant, pools.postgres, pools.options, pools.listeners, pools.storeOptions);
    case 'sqlserver': {
      // Loaded on first use: mssql + tedious cost start-up time and memory that a
      // PostgreSQL-only deployment should not pay.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy load, see above
      const { createSqlServerStore } = require('./sqlserver/sqlserver-store') as typeof import('./sqlserver/sqlserver-store');
      return createSqlServerStore(tenant, pools.sqlserver, pools.options, pools.storeOptions);
    }
  }
}
