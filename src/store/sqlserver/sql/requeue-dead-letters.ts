import { NOW_MS, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * Operator's requeue: DeadLetter -> Pending, due now, attempts and snoozes reset (the message gets a
 * full set of retries and snoozes again), ErrorMessage cleared. @ids is a JSON array of ids, or NULL for every dead
 * letter (OPENJSON: no table type needed; compatibility level 130+). Status = 'DeadLetter' stays in
 * the WHERE even with ids, so a requeue can never touch a message being processed or already done.
 * The changed-row count is SELECTed.
 * OPENJSON ... WITH runs on Babelfish too (the contract suite runs this statement there).
 */
export function requeueDeadLettersSql(table: string): string {
  return `UPDATE ${table}
SET Status = N'Pending', ProcessingAttempts = 0, SnoozeCount = 0, ScheduledTime = ${NOW_MS}, ErrorMessage = NULL
WHERE Status = N'DeadLetter'
  AND (@ids IS NULL OR Id IN (SELECT RequeueId FROM OPENJSON(@ids) WITH (RequeueId UNIQUEIDENTIFIER '$')));
${SELECT_ROWCOUNT}`;
}
