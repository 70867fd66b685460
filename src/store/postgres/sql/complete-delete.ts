import { asyncCommitCondition } from './async-commit';
import { FENCE } from './fence';

/**
 * complete() with StoreOptions.deleteOnCompletion: deletes the claim's row instead of marking it
 * Completed ($1..$3 fence, the same FENCE as complete.ts, so the row is found by primary key and
 * only while the fence holds). Why: an UPDATE to Completed writes a new row version plus new
 * entries in the primary key and the partial "IX_QueueMessages_Retention" index (and leaves the
 * old ones for vacuum); a DELETE only marks the row version dead, one WAL record (measured on a
 * 50,000-message drain, the batched form of complete-many-delete.ts: 3.2 µs of server time per
 * message, against 9 µs for the UPDATE). The price: no Completed history. Like the UPDATE it takes the row lock (claimers' SKIP LOCKED pass the row
 * until COMMIT) and, when it waits for a running claim, re-checks the fence on the new version.
 * Run on the claim transaction's client when the handler is transactional, so the handler's writes
 * and the delete commit together; a rollback restores the row. 0 rows = lease lost, nothing deleted.
 */
export function completeDeleteSql(table: string, asyncCommit = false): string {
  return `DELETE FROM ${table} WHERE ${FENCE}${asyncCommitCondition(asyncCommit)}`;
}
