/**
 * The dead letters a bulk console action selects, at most $4 per statement (the caller repeats
 * until fewer come back, so no statement holds many row locks): $1 message type, $2 text the
 * ErrorMessage contains (case-insensitive), $3 a uuid[] of ids (each NULL: any). SKIP LOCKED: a
 * row another operator's statement is changing right now is left to that statement.
 * "IX_QueueMessages_DeadLetter" holds exactly the DeadLetter rows.
 */
const MATCHING = (table: string) => `SELECT "Id" FROM ${table}
  WHERE "Status" = 'DeadLetter'
    AND ($1::text IS NULL OR "MessageType" = $1::text)
    AND ($2::text IS NULL OR strpos(lower("ErrorMessage"), lower($2::text)) > 0)
    AND ($3::uuid[] IS NULL OR "Id" = ANY ($3::uuid[]))
  LIMIT $4
  FOR UPDATE SKIP LOCKED`;

/** Requeue (as requeue-dead-letters.ts) of the matching dead letters; Status re-checked on the locked row. */
export function requeueDeadLettersMatchingSql(table: string): string {
  return `UPDATE ${table}
SET "Status" = 'Pending', "ProcessingAttempts" = 0, "SnoozeCount" = 0, "ScheduledTime" = now(), "ErrorMessage" = NULL
WHERE "Id" IN (${MATCHING(table)})
  AND "Status" = 'DeadLetter'`;
}

/** Delete of the matching dead letters. */
export function deleteDeadLettersMatchingSql(table: string): string {
  return `DELETE FROM ${table}
WHERE "Id" IN (${MATCHING(table)})
  AND "Status" = 'DeadLetter'`;
}
