import { FENCE, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * complete() with StoreOptions.deleteOnCompletion: deletes the claim's row instead of marking it
 * Completed (same FENCE as complete.ts). Why: the UPDATE moves the row's entry in the claim index
 * (Status is a key column there); a DELETE only removes it. No Completed history. Runs on the claim
 * transaction when the handler is transactional. ROWLOCK: a key lock on this row only, never a page
 * lock that would block claimers. The row count is SELECTed as for the UPDATE (0 = lease lost).
 */
export function completeDeleteSql(table: string): string {
  return `DELETE FROM ${table} WITH (ROWLOCK) WHERE ${FENCE};
${SELECT_ROWCOUNT}`;
}
