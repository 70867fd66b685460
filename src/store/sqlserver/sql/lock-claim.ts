import { FENCE } from '../sql-fragments';

/**
 * First statement of a claim transaction (withClaimTransaction): locks the claimed row, checking the
 * fence (@id, @dequeueTime, @attempts). No row -> the store rolls back and throws LeaseLostError.
 * XACT_ABORT is on for the session (connection-config.ts), so any error in the transaction, a client
 * timeout included, rolls it back at once instead of leaving its locks on a pooled connection.
 * - UPDLOCK: a U lock until COMMIT/ROLLBACK; claimers (READPAST) check expired leases on the base
 *   row, meet it and skip the row, so nobody reclaims the message while its transaction lives.
 * - ROWLOCK: the lock covers this one row.
 * - No READPAST: the only lock met while the fence holds is a claim statement's, for milliseconds;
 *   skipping it would report a false "lease lost".
 * Babelfish ignores table hints, so there (SERVERPROPERTY('babelfish') non-NULL) an UPDATE writing
 * the value the fence already requires takes the row lock. Both branches OUTPUT the Id, aliased.
 * More: docs/sql-notes.md, "Locking the claimed row".
 */
export function lockClaimSql(table: string): string {
  return `IF SERVERPROPERTY('babelfish') IS NULL
  SELECT Id AS [Id] FROM ${table} WITH (UPDLOCK, ROWLOCK) WHERE ${FENCE};
ELSE
  UPDATE ${table} WITH (ROWLOCK) SET Status = N'Processing' OUTPUT inserted.Id AS [Id] WHERE ${FENCE};`;
}
