import { FENCE } from './fence';
import { IN_OPENED_TRANSACTION } from './open-transaction';

/**
 * withCompletingTransaction with StoreOptions.deleteOnCompletion: as completing-update.ts (row lock,
 * fence check, wait and re-check, pipelined with BEGIN), but it deletes the row (why DELETE:
 * complete-delete.ts). The handler's writes and the delete commit together; a rollback brings the
 * row back as Processing with the same fence. 0 rows: rollback, LeaseLostError.
 */
export function completingDeleteSql(table: string): string {
  return `DELETE FROM ${table} WHERE ${FENCE} AND ${IN_OPENED_TRANSACTION}`;
}
