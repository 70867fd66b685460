import { FENCE } from './fence';
import { IN_OPENED_TRANSACTION } from './open-transaction';

/**
 * The statement that opens a completing claim transaction (withCompletingTransaction), sent in
 * the same round trip as BEGIN (pipelined, see transaction-chain.ts): marks the claim Completed,
 * $1..$3 fence, and only inside the transaction BEGIN opened (IN_OPENED_TRANSACTION, see open-transaction.ts).
 *
 * It is the claim's lock and fence check at once (it replaces lock-claim.ts's SELECT ... FOR UPDATE
 * and the complete.ts UPDATE after the handler): it takes the row lock, so every claimer's SKIP
 * LOCKED passes the row while the transaction lives, and it matches only while the fence holds;
 * like FOR UPDATE it waits for a claim statement running on the row right now and then re-checks
 * the fence on the row's new version. The row reads as Completed only inside this transaction
 * until COMMIT; a rollback (handler failed, timed out, shutdown) restores Processing with the same
 * fence, so the failure is recorded exactly as before. The row is found by primary key (FENCE).
 */
export function completingUpdateSql(table: string): string {
  return `UPDATE ${table} SET "Status" = 'Completed', "ErrorMessage" = NULL WHERE ${FENCE} AND ${IN_OPENED_TRANSACTION}`;
}
