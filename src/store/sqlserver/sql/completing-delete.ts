import { FENCE, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * withCompletingTransaction with StoreOptions.deleteOnCompletion: as completing-update.ts (exclusive
 * key lock until COMMIT, ROWLOCK, fence checked at once, no READPAST), but it deletes the row (why
 * DELETE: complete-delete.ts). A rollback brings the row back as Processing with the same fence. The
 * deleted-row count is SELECTed (0 = lease lost), as the UPDATE's is.
 */
export function completingDeleteSql(table: string): string {
  return `DELETE FROM ${table} WITH (ROWLOCK) WHERE ${FENCE};
${SELECT_ROWCOUNT}`;
}
