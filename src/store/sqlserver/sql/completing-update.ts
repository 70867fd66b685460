import { FENCE, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * First statement of a completing claim transaction (withCompletingTransaction): marks the claim
 * Completed, fence checked, in place of lock-claim.ts before the handler and complete.ts after it
 * (one round trip fewer per message). Its exclusive row lock until COMMIT does what lock-claim's U
 * lock did (claimers' READPAST skip the row); ROWLOCK: this row only; no READPAST, for lock-claim.ts's
 * reason. A rollback restores Processing with the same fence. Row count SELECTed (0 = lease lost).
 */
export function completingUpdateSql(table: string): string {
  return `UPDATE ${table} WITH (ROWLOCK) SET Status = N'Completed', ErrorMessage = NULL WHERE ${FENCE};
${SELECT_ROWCOUNT}`;
}
