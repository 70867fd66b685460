import { NOW_MS, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * Operator's requeue of one message (@id): Pending, due now, attempts and snoozes reset, ErrorMessage cleared,
 * only while its Status is one of @statuses (a JSON array; the console allows DeadLetter, Failed,
 * Pending). A message a worker holds is Processing, so it never matches; an UPDATE racing a claim
 * waits for the claim's row lock and re-checks Status on the claimed row. The count is SELECTed.
 */
export function requeueMessageSql(table: string): string {
  return `UPDATE ${table}
SET Status = N'Pending', ProcessingAttempts = 0, SnoozeCount = 0, ScheduledTime = ${NOW_MS}, ErrorMessage = NULL
WHERE Id = @id
  AND Status IN (SELECT AllowedStatus FROM OPENJSON(@statuses) WITH (AllowedStatus NVARCHAR(50) '$'));
${SELECT_ROWCOUNT}`;
}
