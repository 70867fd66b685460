/**
 * How many tables one PostgreSQL group statement names.
 *
 * Measured on PostgreSQL 18 with default settings (max_locks_per_transaction 64): a prepared
 * UNION ALL over N tenant tables runs in ~10-15 µs per table while the statement touches fewer
 * than ~375 relations (each table plus the indexes its branch reads), and ~15x slower per table
 * above ~450 relations (the lock manager's per-statement cost grows past that point). Statements
 * stay under this many relations.
 */
export const MAX_RELATIONS_PER_STATEMENT = 300;

/** Tables per statement for a branch that reads the table and `indexes` of its indexes. */
export function tablesPerStatement(indexes: number): number {
  return Math.max(1, Math.floor(MAX_RELATIONS_PER_STATEMENT / (1 + indexes)));
}
