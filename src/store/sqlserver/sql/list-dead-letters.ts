/**
 * Up to @limit DeadLetter rows, most recently attempted first (LastAttemptTime, or CreatedAt for a
 * row dead-lettered without an attempt). Dead letters are few; the claim index's Status='DeadLetter'
 * range finds them and the sort is small.
 */
export function listDeadLettersSql(table: string): string {
  return `SELECT TOP (@limit) * FROM ${table}
WHERE Status = N'DeadLetter'
ORDER BY COALESCE(LastAttemptTime, CreatedAt) DESC;`;
}
