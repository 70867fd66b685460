import mssql from 'mssql';
import { LeaseLostError, QueryInFlightError, describeError } from '../../errors';
import { TransactionGuard } from '../transaction-guard';
import { guardMssqlTransaction, type GuardedTransaction } from './guarded-transaction';
import type { ClaimFence, StoreTransaction } from '../types';
import { bindFence } from './params';

/** How long a rollback waits for a request the handler left running (beyond the request timeout). */
const ROLLBACK_GRACE_MS = 5_000;
const ROLLBACK_POLL_MS = 25;
/** mssql's default request timeout, for a config that names none. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/**
 * Runs `fn` in a transaction that holds the claimed row's lock (see sql/lock-claim.ts, or for
 * withCompletingTransaction sql/completing-update.ts, whose UPDATE locks and completes at once):
 * BEGIN (READ COMMITTED), lock with the fence (no row -> ROLLBACK, LeaseLostError, `fn` not called),
 * `fn` with `{ dialect: 'sqlserver', handle: transaction }` (an mssql.Transaction: the handler makes
 * requests with `new mssql.Request(tx)` or `tx.request()`), COMMIT; ROLLBACK and rethrow when `fn`
 * throws. The transaction's connection goes back to the pool in every case.
 */
export async function runClaimTransaction<T>(
  pool: mssql.ConnectionPool,
  lockClaimSql: string,
  fence: ClaimFence,
  fn: (tx: StoreTransaction) => Promise<T>,
  requestTimeoutMs: number = DEFAULT_REQUEST_TIMEOUT_MS,
  /** Whether the opening statement's result means the fence held (default: it returned one row). */
  fenceHeld: (recordset: readonly unknown[]) => boolean = (recordset) => recordset.length === 1,
): Promise<T> {
  const transaction = new mssql.Transaction(pool);
  // READ COMMITTED explicitly: mssql sends SET TRANSACTION ISOLATION LEVEL with BEGIN, so whatever
  // a previous user of this pooled connection set, the lock statement runs at the level it expects.
  await transaction.begin(mssql.ISOLATION_LEVEL.READ_COMMITTED);
  let result: T;
  const guard = new TransactionGuard(fence.id);
  const lent = guardMssqlTransaction(transaction, guard);
  try {
    const locked = await bindFence(transaction.request(), fence).query(lockClaimSql);
    if (!fenceHeld(locked.recordset)) throw new LeaseLostError(fence.id);
    result = await fn({ dialect: 'sqlserver', handle: lent.handle });
  } catch (err) {
    endAttempt(guard, lent, { error: err });
    await rollbackQuietly(transaction, requestTimeoutMs);
    throw err;
  }
  // mssql starts a request on the next turn (setImmediate): let one the handler started just before
  // returning reach acquire(), so it is seen in flight here as on PostgreSQL, not refused after COMMIT.
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (endAttempt(guard, lent)) {
    await rollbackQuietly(transaction, requestTimeoutMs);
    throw new QueryInFlightError(fence.id);
  }
  try {
    await transaction.commit();
  } catch (err) {
    await rollbackQuietly(transaction, requestTimeoutMs);
    throw commitError(fence.id, err);
  }
  return result;
}

/**
 * Closes the handler's `ctx.db` (every later request is refused) and cancels a request of the
 * handler still running, so the rollback need not wait for it. Returns whether one was running.
 */
function endAttempt(guard: TransactionGuard, lent: GuardedTransaction, outcome?: { error: unknown }): boolean {
  guard.close(outcome);
  const running = lent.running();
  for (const request of running) request.cancel();
  return running.length > 0;
}

/**
 * Rolls back, never throwing (the caller is already on an error path):
 * - EABORT / ENOTBEGUN: the server already rolled the transaction back (XACT_ABORT) and mssql
 *   released the connection; nothing left to do.
 * - EREQINPROG: a request of the handler is still running (it timed out on our side but did not
 *   await its query). Retry until it ends; the request timeout bounds the wait. Without this the
 *   transaction, its locks and its connection would stay open forever.
 */
export async function rollbackQuietly(transaction: mssql.Transaction, requestTimeoutMs: number): Promise<void> {
  const deadline = Date.now() + requestTimeoutMs + ROLLBACK_GRACE_MS;
  for (;;) {
    try {
      await transaction.rollback();
      return;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'EREQINPROG' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, ROLLBACK_POLL_MS));
        continue;
      }
      // EABORT, ENOTBEGUN: already rolled back. Anything else (a dead connection): mssql has
      // released the connection and the server rolls back when the session ends.
      return;
    }
  }
}

function commitError(messageId: string, err: unknown): Error {
  const code = (err as { code?: unknown }).code;
  if (code === 'EABORT') {
    // XACT_ABORT rolled the transaction back when one of its statements failed; a handler that
    // caught that error and returned normally must not count as a success.
    return new Error(
      `transaction of message ${messageId} was rolled back by the server because a statement in it failed ` +
        '(a handler caught a database error and continued); nothing was saved. ' +
        'Let database errors propagate out of transactional handlers.',
      { cause: err },
    );
  }
  if (code === 'EREQINPROG') {
    return new Error(
      `transaction of message ${messageId} could not commit because a request of the handler was still running; ` +
        'it was rolled back. Await every query of a transactional handler before returning.',
      { cause: err },
    );
  }
  return new Error(`COMMIT of message ${messageId} failed: ${describeError(err)}`, { cause: err });
}
