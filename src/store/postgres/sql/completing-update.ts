import { FENCE } from './fence';
import { IN_OPENED_TRANSACTION } from './open-transaction';

/**
 * Opens a completing claim transaction (withCompletingTransaction): pipelined with BEGIN
 * (transaction-chain.ts), only inside the transaction BEGIN opened (IN_OPENED_TRANSACTION), it marks
 * the claim Completed ($1..$3 fence). It is the row lock and the fence check at once, in place of
 * lock-claim.ts before the handler and complete.ts after it: claimers' SKIP LOCKED pass the row while
 * the transaction lives, and like FOR UPDATE it waits for a running claim and re-checks the fence. A
 * rollback (handler failed, timed out, shutdown) restores Processing with the same fence.
 */
export function completingUpdateSql(table: string): string {
  return `UPDATE ${table} SET "Status" = 'Completed', "ErrorMessage" = NULL WHERE ${FENCE} AND ${IN_OPENED_TRANSACTION}`;
}
