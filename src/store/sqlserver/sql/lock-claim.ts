import { FENCE } from '../sql-fragments';

/**
 * First statement of a claim transaction (withClaimTransaction): locks the claimed row, checking
 * the fence (@id, @dequeueTime, @attempts). No row -> the store rolls back and throws LeaseLostError.
 *
 * XACT_ABORT is ON for the whole transaction, set for the session when the pool opens the
 * connection (tedious option abortTransactionOnError, see connection-config.ts): any run-time error
 * in the transaction, including a client-side request timeout (which sends an attention), then
 * rolls the whole transaction back on the server at once instead of leaving it open, with its
 * locks, on a pooled connection; mssql notices and fails the COMMIT (see claim-transaction.ts).
 * A `SET XACT_ABORT ON` in this statement would not do: mssql sends parameterised statements
 * through sp_executesql, and SQL Server restores SET options when that dynamic batch returns, so
 * it would not cover the handler's statements that follow.
 *
 * WITH (UPDLOCK, ROWLOCK):
 * - UPDLOCK holds a U lock on the row until COMMIT/ROLLBACK. Every claimer reads with READPAST,
 *   and its check of an expired lease has to read DequeueTime from the base row (the claim index
 *   deliberately does not include DequeueTime, see migration 0002), where it meets this lock and
 *   skips the row: nobody reclaims the message while its transaction lives, even past the lease.
 * - ROWLOCK keeps that lock on the one row, so claimers only skip this message.
 * - No READPAST here, on purpose: the only lock we can meet with our fence still valid is a claim
 *   statement that looked at the row a moment ago (U locks last until the end of that statement).
 *   Waiting those milliseconds is right; skipping would report a false "lease lost" and strand the
 *   message until its lease expires. If the row was really reclaimed, we read it after the other
 *   side commits and the fence does not match: LeaseLostError, as it should be.
 *
 * Babelfish (SERVERPROPERTY('babelfish') is non-NULL there, NULL on SQL Server; the server picks
 * the branch itself, so no client state is needed) parses table hints and ignores them: its SELECT
 * WITH (UPDLOCK) takes no lock at all, and the message could be reclaimed under a running handler.
 * There the row lock comes from an UPDATE that writes the value the fence already requires
 * (Status = 'Processing'): an exclusive row lock until COMMIT/ROLLBACK. Its claimers, whose
 * READPAST is ignored too, wait for it and then re-check that the row is due (claim.ts), so the
 * message is not reclaimed while its transaction lives; they wait instead of skipping. Both
 * branches return the locked row's Id (OUTPUT inserted.Id AS [Id], aliased so Babelfish keeps the
 * name's case).
 */
export function lockClaimSql(table: string): string {
  return `IF SERVERPROPERTY('babelfish') IS NULL
  SELECT Id AS [Id] FROM ${table} WITH (UPDLOCK, ROWLOCK) WHERE ${FENCE};
ELSE
  UPDATE ${table} WITH (ROWLOCK) SET Status = N'Processing' OUTPUT inserted.Id AS [Id] WHERE ${FENCE};`;
}
