/**
 * Most relations (each table plus the indexes its branch reads) one PostgreSQL group statement
 * touches: past a few hundred, the lock manager's per-statement cost makes each table far dearer
 * (default max_locks_per_transaction). Figures: docs/performance.md, "Group statements".
 */
export const MAX_RELATIONS_PER_STATEMENT = 300;

/** Tables per statement for a branch that reads the table and `indexes` of its indexes. */
export function tablesPerStatement(indexes: number): number {
  return Math.max(1, Math.floor(MAX_RELATIONS_PER_STATEMENT / (1 + indexes)));
}
