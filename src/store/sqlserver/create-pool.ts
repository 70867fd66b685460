import mssql from 'mssql';
import { PoolRegistry } from '../pool-registry';
import type { PoolOptions } from '../types';

/**
 * Opens (lazily: no connection until connect()) an mssql pool for one database. min 0 and the idle
 * timeout let a quiet tenant hold no connection at all. `config` comes from sqlServerConfig();
 * a connect timeout named in the connection string wins over the pool option.
 */
export function createMssqlPool(config: mssql.config, options: PoolOptions): mssql.ConnectionPool {
  const pool = new mssql.ConnectionPool({
    ...config,
    connectionTimeout: config.connectionTimeout ?? options.connectTimeoutMs,
    pool: { max: options.max, min: 0, idleTimeoutMillis: options.idleTimeoutMs },
  });
  // mssql emits 'error' on the pool when acquiring a connection fails (server down, login
  // refused); without a listener Node would crash the whole worker. The same error also rejects
  // the request that wanted the connection, and the tenant's poll loop reports it from there.
  pool.on('error', () => undefined);
  return pool;
}

/** A registry of SQL Server pools that closes each pool when its last tenant lets go. */
export function createSqlServerPoolRegistry(): PoolRegistry<mssql.ConnectionPool> {
  return new PoolRegistry<mssql.ConnectionPool>(async (pool) => {
    await pool.close();
  });
}

/**
 * Memoises `pool.connect()` for one store: a connect in progress is shared by concurrent callers,
 * a connected pool is returned at once, and a failed connect is forgotten so the next call tries
 * again (a database that was down at start-up is picked up when it returns). mssql's own
 * connect() also joins a connect in progress, so stores sharing a pool never open it twice.
 */
export function connectOnce(pool: () => mssql.ConnectionPool): () => Promise<mssql.ConnectionPool> {
  let connecting: Promise<mssql.ConnectionPool> | undefined;
  return () => {
    const current = pool();
    if (current.connected) return Promise.resolve(current);
    connecting ??= current.connect().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };
}
