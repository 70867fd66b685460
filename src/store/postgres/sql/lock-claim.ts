import { FENCE } from './fence';

/**
 * First statement of a claim transaction: locks the claimed row, checking the fence ($1..$3). While
 * the lock is held every claimer's SKIP LOCKED skips the row, so nobody reclaims it, even past the
 * lease. Plain FOR UPDATE (waiting), not SKIP LOCKED: the only lock met while the fence holds is a
 * claim statement running right now; waiting for it gives the right answer (0 rows if it reclaimed
 * the row), skipping it would report a false "lease lost". More: docs/sql-notes.md, "Locking the claimed row".
 */
export function lockClaimSql(table: string): string {
  return `SELECT 1 FROM ${table} WHERE ${FENCE} FOR UPDATE`;
}
