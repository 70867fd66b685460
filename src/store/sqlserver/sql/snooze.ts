import { DECLARE_NOW, FENCE, NOW_PLUS_DELAY, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * A handler's snooze (fence @id, @dequeueTime, @attempts; delay @delaySeconds + @delayMillis):
 * Pending and due at the database's now plus the delay, with the claim's + 1 undone (waiting for
 * something is not a failed attempt) and SnoozeCount counted, so the worker can cap endless
 * snoozing. ErrorMessage is kept: it still tells the last failure. Fenced like release; the
 * changed-row count is SELECTed (0 = lease lost).
 */
export function snoozeSql(table: string): string {
  return `${DECLARE_NOW}
UPDATE ${table}
SET Status = N'Pending',
    ScheduledTime = ${NOW_PLUS_DELAY},
    ProcessingAttempts = ProcessingAttempts - 1,
    SnoozeCount = SnoozeCount + 1
WHERE ${FENCE};
${SELECT_ROWCOUNT}`;
}
