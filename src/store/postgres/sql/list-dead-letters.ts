/**
 * Up to $1 DeadLetter rows, most recently attempted first. Ordered by the same expression as
 * "IX_QueueMessages_DeadLetter" (COALESCE("LastAttemptTime", "CreatedAt"), i.e. LastAttemptTime,
 * or CreatedAt for a row dead-lettered without an attempt) so the index serves order and limit.
 */
export function listDeadLettersSql(table: string): string {
  return `SELECT * FROM ${table}
WHERE "Status" = 'DeadLetter'
ORDER BY COALESCE("LastAttemptTime", "CreatedAt") DESC
LIMIT $1`;
}
