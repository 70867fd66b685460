import type { Pool } from 'pg';
import { LeaseLostError } from '../../errors';
import type { ClaimFence, StoreTransaction } from '../types';
import { fenceParams } from './row-mapper';
import { quoteIdent } from './quote-table';
import { lockClaimSql } from './sql/lock-claim';

/**
 * Runs `fn` in a transaction that holds the claimed row's lock (see lock-claim.ts): BEGIN, lock
 * with the fence (none -> ROLLBACK, LeaseLostError, `fn` not called), `fn`, COMMIT; ROLLBACK and
 * rethrow when `fn` throws. The client goes back to the pool in every case, destroyed instead when
 * COMMIT/ROLLBACK failed (the connection's state is unknown).
 *
 * Schema-per-tenant: when the tenant has a schema, `SET LOCAL search_path` makes it the first schema
 * for this transaction only, so a handler's unqualified table names (`Products`) resolve to the
 * tenant's own tables. LOCAL ends with the transaction, so the pooled connection does not carry it
 * to another tenant. Sent in the same round trip as BEGIN.
 */
export async function runClaimTransaction<T>(
  pool: Pool,
  table: string,
  fence: ClaimFence,
  fn: (tx: StoreTransaction) => Promise<T>,
  schema?: string,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    let result: T;
    try {
      // Inside the try: if BEGIN fails on a dead connection, the ROLLBACK fails too and marks it broken.
      await client.query(schema === undefined ? 'BEGIN' : `BEGIN; SET LOCAL search_path TO ${quoteIdent(schema)}, public`);
      const locked = await client.query(lockClaimSql(table), fenceParams(fence));
      if (locked.rowCount !== 1) throw new LeaseLostError(fence.id);
      result = await fn({ dialect: 'postgres', handle: client });
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => {
        broken = rollbackErr;
      });
      throw err;
    }
    const committed = await client.query('COMMIT').catch((commitErr: Error) => {
      broken = commitErr;
      throw commitErr;
    });
    // COMMIT of a transaction in which a statement failed (a handler caught a database error and
    // carried on) rolls back silently: PostgreSQL answers "ROLLBACK" instead of an error. Nothing
    // was saved, the message was not completed, so this must count as a failed attempt.
    if (committed.command === 'ROLLBACK') {
      throw new Error(
        `transaction of message ${fence.id} was rolled back at COMMIT because a statement in it failed ` +
          '(a handler caught a database error and continued); nothing was saved. ' +
          'Let database errors propagate out of transactional handlers.',
      );
    }
    return result;
  } finally {
    client.release(broken);
  }
}
