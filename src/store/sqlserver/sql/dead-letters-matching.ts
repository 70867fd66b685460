import { NOW_MS, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * The dead letters a bulk console action selects, at most @batch per statement (the caller repeats
 * until fewer come back, keeping each statement far below the ~5,000 row locks of lock escalation):
 * @type message type, @error text the ErrorMessage contains (CHARINDEX: no LIKE wildcards to
 * escape; case follows the column's collation, insensitive by default), @ids a JSON array of ids
 * (each NULL: any). The Status = 'DeadLetter' range of the claim index finds them.
 */
const MATCHING = `Status = N'DeadLetter'
  AND (@type IS NULL OR MessageType = @type)
  AND (@error IS NULL OR CHARINDEX(@error, ErrorMessage) > 0)
  AND (@ids IS NULL OR Id IN (SELECT MatchId FROM OPENJSON(@ids) WITH (MatchId UNIQUEIDENTIFIER '$')))`;

/** Requeue (as requeue-dead-letters.ts) of up to @batch matching dead letters. */
export function requeueDeadLettersMatchingSql(table: string): string {
  return `UPDATE TOP (@batch) ${table}
SET Status = N'Pending', ProcessingAttempts = 0, SnoozeCount = 0, ScheduledTime = ${NOW_MS}, ErrorMessage = NULL
WHERE ${MATCHING};
${SELECT_ROWCOUNT}`;
}

/** Delete of up to @batch matching dead letters. */
export function deleteDeadLettersMatchingSql(table: string): string {
  return `DELETE TOP (@batch) FROM ${table}
WHERE ${MATCHING};
${SELECT_ROWCOUNT}`;
}
