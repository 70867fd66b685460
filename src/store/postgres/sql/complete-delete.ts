import { asyncCommitCondition } from './async-commit';
import { FENCE } from './fence';

/**
 * complete() with StoreOptions.deleteOnCompletion: deletes the claim's row instead of marking it
 * Completed (same FENCE as complete.ts: by primary key, only while the fence holds). Why: an UPDATE
 * writes a new row version and index entries; a DELETE only marks the row dead. The price: no
 * Completed history. Like the UPDATE it takes the row lock and, if it waited for a claim,
 * re-checks the fence on the new row version. Run on the claim transaction's client when the handler is transactional, so
 * the handler's writes and the delete commit together. 0 rows = lease lost, nothing deleted.
 * Figures: docs/performance.md, "Completion by DELETE".
 */
export function completeDeleteSql(table: string, asyncCommit = false): string {
  return `DELETE FROM ${table} WHERE ${FENCE}${asyncCommitCondition(asyncCommit)}`;
}
