import pg from 'pg';
import { PoolRegistry } from '../pool-registry';
import { coalescingSocket } from './coalescing-socket';
import type { PoolOptions } from '../types';

/**
 * Opens a node-postgres pool for one database. Connections open on demand and close after
 * `idleTimeoutMs`, so a quiet tenant holds none. `application_name` makes the worker's sessions
 * recognisable in pg_stat_activity.
 */
export function createPgPool(connectionString: string, options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max,
    idleTimeoutMillis: options.idleTimeoutMs,
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: 'tqw',
    // Statements written back to back go out together (node-postgres 8.23+): a handler's transaction
    // opens, and the previous one commits, in one round trip (transaction-chain.ts). Cursors and
    // streams (pg-cursor, pg-query-stream) are refused on such a connection.
    pipeline: true,
    // ...and leave in one socket write per turn of the event loop (coalescing-socket.ts).
    stream: coalescingSocket,
  });
  // An idle client whose connection dies (database restart, network cut, pg_terminate_backend)
  // emits 'error' on the pool; without a listener Node would crash the whole worker. The pool has
  // already discarded that client, and the next query opens a fresh connection or fails with the
  // cause, which the tenant's poll loop reports; so there is nothing more to do here.
  pool.on('error', () => undefined);
  // The pool listens for errors only on idle clients: a client that is lent out (a transactional
  // handler's, or one being released with an error and ended) and receives the server's FATAL
  // ("terminating connection due to administrator command", on a restart) with no query running
  // would emit 'error' with nobody listening, which crashes the process. Every client of ours gets a
  // listener for its whole life; the failure still reaches whoever uses the client next (its query
  // fails), and the pool drops the client when it is released with that error.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

/** A registry of PostgreSQL pools that ends each pool when its last tenant lets go. */
export function createPostgresPoolRegistry(): PoolRegistry<pg.Pool> {
  return new PoolRegistry<pg.Pool>((pool) => pool.end());
}
