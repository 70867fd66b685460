import { FENCE, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * withCompletingTransaction with StoreOptions.deleteOnCompletion: the first statement of the
 * completing claim transaction deletes the claim's row (fence @id, @dequeueTime, @attempts)
 * instead of marking it Completed (why DELETE: see complete-delete.ts). It does what
 * completing-update.ts does: its exclusive key lock, held until COMMIT, keeps every claimer's
 * READPAST off the row (ROWLOCK keeps it to this one row), and the fence is checked at the same
 * time. No READPAST, for the reason lock-claim.ts gives. The handler's writes and the delete
 * commit together; a rollback (handler failed, timed out, shutdown) brings the row back as
 * Processing with the same fence, so the failure is recorded as before. The deleted-row count is
 * SELECTed (0 = lease lost), as the UPDATE's is.
 */
export function completingDeleteSql(table: string): string {
  return `DELETE FROM ${table} WITH (ROWLOCK) WHERE ${FENCE};
${SELECT_ROWCOUNT}`;
}
