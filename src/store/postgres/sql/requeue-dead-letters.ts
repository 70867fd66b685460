/**
 * Operator's requeue: DeadLetter -> Pending, due now, attempts and snoozes reset (the message gets a full set
 * of retries and snoozes again), ErrorMessage cleared. $1 is a uuid[] of ids, or NULL for every dead letter.
 * "Status" = 'DeadLetter' stays in the WHERE even with ids, so a requeue can never touch a message
 * that is being processed or already done.
 */
export function requeueDeadLettersSql(table: string): string {
  return `UPDATE ${table}
SET "Status" = 'Pending', "ProcessingAttempts" = 0, "SnoozeCount" = 0, "ScheduledTime" = now(), "ErrorMessage" = NULL
WHERE "Status" = 'DeadLetter' AND ($1::uuid[] IS NULL OR "Id" = ANY ($1::uuid[]))`;
}
