import { tablesPerStatement } from './limits';

/** Relations per table: the table and the status's retention index. */
export const PURGEABLE_TABLES_PER_STATEMENT = tablesPerStatement(1);

/**
 * Retention pre-check for many tables of one database in ONE statement: the "Index" of each table
 * that holds rows purge.ts would delete (status `status`, last activity older than `olderThanMs`).
 * The sweeper then purges only those tenants, so a thousand tenants with nothing old cost one
 * statement per chunk and sweep instead of one DELETE each.
 * The status and age are literals (checked here): with a literal status the planner proves the
 * predicate of "IX_QueueMessages_Retention" / "IX_QueueMessages_DeadLetter" and reads only old
 * rows; and the chunk's text is stable, so it runs as a prepared statement.
 */
export function hasPurgeableSql(tables: readonly string[], status: 'Completed' | 'DeadLetter', olderThanMs: number): string {
  if (status !== 'Completed' && status !== 'DeadLetter')
    throw new RangeError(`status must be Completed or DeadLetter, got ${String(status)}`);
  if (!Number.isInteger(olderThanMs) || olderThanMs < 0) throw new RangeError(`olderThanMs must be an integer >= 0, got ${olderThanMs}`);
  if (tables.length === 0) throw new RangeError('hasPurgeableSql needs at least one table');
  return tables
    .map(
      (table, index) => `SELECT ${index} AS "Index" WHERE EXISTS (
  SELECT 1 FROM ${table}
  WHERE "Status" = '${status}' AND COALESCE("LastAttemptTime", "CreatedAt") < now() - interval '${olderThanMs} milliseconds')`,
    )
    .join('\nUNION ALL\n');
}
