import { FENCE, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * complete() with StoreOptions.deleteOnCompletion: deletes the claim's row instead of marking it
 * Completed (fence @id, @dequeueTime, @attempts, the same FENCE as complete.ts: found by primary
 * key, matched only while the fence holds). Why: the UPDATE to Completed rewrites the row and moves
 * its entry in the claim index (Status is a key column there: a delete plus an insert in that
 * index); a DELETE only removes the row and its index entries (measured on PostgreSQL, not here:
 * see the PostgreSQL complete-delete.ts). No Completed history is kept. Run on the claim
 * transaction when the handler is transactional, so the handler's writes and the delete commit
 * together; a rollback restores the row. ROWLOCK: a key lock on this row only, never a page lock
 * that would block claimers on neighbouring rows. The deleted-row count is SELECTed like the
 * UPDATE's (1 = done, 0 = lease lost: nothing deleted), so the store reads both the same way.
 */
export function completeDeleteSql(table: string): string {
  return `DELETE FROM ${table} WITH (ROWLOCK) WHERE ${FENCE};
${SELECT_ROWCOUNT}`;
}
