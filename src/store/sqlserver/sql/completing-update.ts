import { FENCE, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * First statement of a completing claim transaction (withCompletingTransaction): marks the claim
 * Completed with the fence checked (@id, @dequeueTime, @attempts). It replaces lock-claim.ts's
 * SELECT ... WITH (UPDLOCK, ROWLOCK) and the complete.ts UPDATE after the handler: the UPDATE's
 * exclusive row lock, held until COMMIT, is what the lock statement's U lock was (every claimer's
 * READPAST skips the row; ROWLOCK keeps it to this one row), and the fence is checked at the same
 * time. No READPAST, for the reason lock-claim.ts gives. A rollback (handler failed, timed out,
 * shutdown) restores Processing with the same fence. One round trip fewer per message: BEGIN,
 * this, the handler, COMMIT. The changed-row count is SELECTed (0 = lease lost).
 */
export function completingUpdateSql(table: string): string {
  return `UPDATE ${table} WITH (ROWLOCK) SET Status = N'Completed', ErrorMessage = NULL WHERE ${FENCE};
${SELECT_ROWCOUNT}`;
}
