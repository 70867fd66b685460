import { FENCE } from './fence';

/**
 * First statement of a claim transaction: locks the claimed row, checking the fence ($1..$3).
 * While the transaction holds this lock, every claimer's FOR UPDATE SKIP LOCKED skips the row, so
 * nobody reclaims it even if the lease runs out while the handler is still working.
 *
 * Plain FOR UPDATE (waiting), not SKIP LOCKED: the only lock we can meet here is a claim statement
 * that is running at this moment (a few ms). If it reclaims the row, PostgreSQL rechecks our WHERE
 * on the new version after it commits and we get 0 rows (lease lost, as we should). If it only
 * looked at the row (a claimer whose snapshot predates our own claim locks the row and then drops
 * it), we get the row; SKIP LOCKED would have reported a false "lease lost" and stranded the
 * message until its lease expired. Nothing else holds this row's lock with our fence still valid.
 */
export function lockClaimSql(table: string): string {
  return `SELECT 1 FROM ${table} WHERE ${FENCE} FOR UPDATE`;
}
