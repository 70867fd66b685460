/**
 * Operator's requeue of one message ($1): Pending, due now, attempts and snoozes reset, ErrorMessage cleared,
 * only while its Status is one of $2 (the console allows DeadLetter, Failed, Pending). A message a
 * worker holds is Processing, so it never matches; a claim racing this statement either skips the
 * row this UPDATE locked (SKIP LOCKED) or commits first, and then this UPDATE re-checks its WHERE
 * on the claimed row version and changes nothing.
 */
export function requeueMessageSql(table: string): string {
  return `UPDATE ${table}
SET "Status" = 'Pending', "ProcessingAttempts" = 0, "SnoozeCount" = 0, "ScheduledTime" = now(), "ErrorMessage" = NULL
WHERE "Id" = $1::uuid AND "Status" = ANY ($2::text[])`;
}
