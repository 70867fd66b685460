/**
 * Retention: deletes at most $3 rows of status $1 ('Completed' or 'DeadLetter') whose last activity,
 * COALESCE("LastAttemptTime", "CreatedAt"), is more than $2 ms before the database's now().
 * - Small batches (the caller loops) keep each transaction and its locks short.
 * - FOR UPDATE SKIP LOCKED in the subquery: two workers purging at once split the rows instead of
 *   waiting on each other, and a row someone else has locked is left for the next round.
 * - The predicate is exactly the expression of the partial indexes "IX_QueueMessages_Retention"
 *   (Completed) and "IX_QueueMessages_DeadLetter", so only old rows are read. $1 is a bind
 *   parameter: node-postgres sends unnamed statements, which PostgreSQL plans with the actual
 *   value, so the planner still matches the right partial index. Keep this statement unnamed.
 */
export function purgeSql(table: string): string {
  return `DELETE FROM ${table}
WHERE "Id" IN (
  SELECT "Id" FROM ${table}
  WHERE "Status" = $1::varchar
    AND COALESCE("LastAttemptTime", "CreatedAt") < now() - $2::double precision * interval '1 millisecond'
  LIMIT $3
  FOR UPDATE SKIP LOCKED)`;
}
