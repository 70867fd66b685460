import { FENCE } from './fence';
import { IN_OPENED_TRANSACTION } from './open-transaction';

/**
 * withCompletingTransaction with StoreOptions.deleteOnCompletion: the statement that opens the
 * completing claim transaction deletes the claim's row ($1..$3 fence) instead of marking it
 * Completed (why DELETE: see complete-delete.ts). Sent in the same round trip as BEGIN, inside
 * the transaction it opened, like completing-update.ts, and it does the same three jobs: it takes the row lock (a DELETE locks the
 * row as FOR UPDATE does, so every claimer's SKIP LOCKED passes it while the transaction lives),
 * it matches only while the fence holds (0 rows: rollback, LeaseLostError), and when a claim
 * statement is running on the row it waits and re-checks the fence on the row's new version.
 * The row is gone only inside this transaction until COMMIT: the handler's writes and the delete
 * commit together, and a rollback (handler failed, timed out, shutdown) brings the row back as
 * Processing with the same fence, so the failure is recorded exactly as before. Found by primary
 * key (FENCE).
 */
export function completingDeleteSql(table: string): string {
  return `DELETE FROM ${table} WHERE ${FENCE} AND ${IN_OPENED_TRANSACTION}`;
}
