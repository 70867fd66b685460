import type { Pool, PoolClient } from 'pg';
import { LeaseLostError, QueryInFlightError } from '../../errors';
import { TransactionGuard } from '../transaction-guard';
import { guardPgClient } from './guarded-client';
import type { ClaimFence, StoreTransaction } from '../types';
import { fenceParams } from './row-mapper';
import { quoteIdent } from './quote-table';
import type { TransactionChain } from './transaction-chain';
import { lockClaimSql } from './sql/lock-claim';
import { openTransactionSql } from './sql/open-transaction';

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
  return inTransaction(pool, fence, fn, async (client) => {
    // Inside the try: if BEGIN fails on a dead connection, the ROLLBACK fails too and marks it broken.
    await client.query(schema === undefined ? 'BEGIN' : `BEGIN; SET LOCAL search_path TO ${quoteIdent(schema)}, public`);
    const locked = await client.query(lockClaimSql(table), fenceParams(fence));
    return locked.rowCount === 1;
  });
}

/**
 * withCompletingTransaction: `completingSql` (sql/completing-update.ts: the fenced UPDATE to
 * Completed, or completing-delete.ts with deleteOnCompletion) opens the transaction, then `fn`,
 * then COMMIT, in at most TWO round trips: BEGIN, the transaction's settings (sql/open-transaction.ts)
 * and the UPDATE go out together (pipelined), then COMMIT; and while messages keep coming, the COMMIT
 * also opens the next message's transaction in the same round trip (TransactionChain), so a busy
 * queue costs about ONE round trip per message (measurements: docs/performance.md).
 * `preparedName`: the UPDATE as a named statement, parsed once per connection (the store passes
 * one only where a connection holds few tables' statements); else it is parsed each time.
 * If the opening round trip fails, the connection is discarded, not reused.
 * Rollback on any failure of `fn`; a COMMIT answered with ROLLBACK is a failed attempt (see
 * inTransaction).
 */
export async function runCompletingTransaction<T>(
  chain: TransactionChain,
  completingSql: string,
  fence: ClaimFence,
  fn: (tx: StoreTransaction) => Promise<T>,
  schema: string | undefined,
  preparedName: string | undefined,
): Promise<T> {
  const { client, result } = await chain.open(openTransactionSql(schema), {
    name: preparedName,
    text: completingSql,
    values: fenceParams(fence),
  });
  // See inTransaction: a lent-out client's connection may die between statements.
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  const guard = new TransactionGuard(fence.id);
  let value: T;
  try {
    if (result.rowCount !== 1) throw new LeaseLostError(fence.id);
    value = await fn({ dialect: 'postgres', handle: guardPgClient(client, guard) });
  } catch (err) {
    client.removeListener('error', onError);
    await chain.rollback(client, broken ?? abandoned(guard, { error: err }));
    throw err;
  }
  client.removeListener('error', onError);
  const leftRunning = abandoned(guard);
  if (broken || leftRunning) {
    await chain.rollback(client, broken ?? leftRunning);
    throw broken ?? new QueryInFlightError(fence.id);
  }
  const command = await chain.commit(client);
  if (command === 'ROLLBACK') throw rolledBackAtCommit(fence);
  return value;
}

/**
 * COMMIT of a transaction in which a statement failed (a handler caught a database error and
 * carried on) rolls back silently: PostgreSQL answers "ROLLBACK" instead of an error. Nothing was
 * saved, the message was not completed, so this must count as a failed attempt.
 */
function rolledBackAtCommit(fence: ClaimFence): Error {
  return new Error(
    `transaction of message ${fence.id} was rolled back at COMMIT because a statement in it failed ` +
      '(a handler caught a database error and continued); nothing was saved. ' +
      'Let database errors propagate out of transactional handlers.',
  );
}

/**
 * BEGIN via `open` (false: fence lost), `fn`, COMMIT; ROLLBACK on any failure; the client always
 * goes back to the pool, destroyed when it may be in a bad state.
 */
async function inTransaction<T>(
  pool: Pool,
  fence: ClaimFence,
  fn: (tx: StoreTransaction) => Promise<T>,
  open: (client: PoolClient) => Promise<boolean>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client has no 'error' listener (the pool removes its own while it is lent out):
  // if the server ends the session while the handler runs between statements (a restart,
  // pg_terminate_backend), the client emits 'error' with no query to reject, and without this
  // listener Node would crash the whole worker. The transaction is lost; the next statement fails.
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  const guard = new TransactionGuard(fence.id);
  try {
    let result: T;
    try {
      if (!(await open(client))) throw new LeaseLostError(fence.id);
      result = await fn({ dialect: 'postgres', handle: guardPgClient(client, guard) });
    } catch (err) {
      // A query of the ended attempt still running: discard the connection (nothing on it can commit).
      broken ??= abandoned(guard, { error: err });
      if (!broken) {
        await client.query('ROLLBACK').catch((rollbackErr: Error) => {
          broken = rollbackErr;
        });
      }
      throw err;
    }
    const leftRunning = abandoned(guard);
    if (leftRunning) {
      broken ??= leftRunning;
      throw new QueryInFlightError(fence.id);
    }
    const committed = await client.query('COMMIT').catch((commitErr: Error) => {
      broken = commitErr;
      throw commitErr;
    });
    if (committed.command === 'ROLLBACK') throw rolledBackAtCommit(fence);
    return result;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/**
 * Closes the handler's `ctx.db` (every later query is refused) and, when a query it started is
 * still running, returns the reason to discard the connection instead of reusing it: ROLLBACK would
 * wait behind that query, and destroying the session rolls the transaction back just the same.
 */
function abandoned(guard: TransactionGuard, outcome?: { error: unknown }): Error | undefined {
  const running = guard.close(outcome);
  return running > 0 ? new Error(`${running} query(ies) of the ended attempt on message ${guard.messageId} still running`) : undefined;
}
