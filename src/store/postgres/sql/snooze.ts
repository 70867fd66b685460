import { FENCE } from './fence';

/**
 * A handler's snooze ($1..$3 fence, $4 delay in ms): Pending and due at the database's now() + $4,
 * with the claim's + 1 undone (waiting for something is not a failed attempt) and "SnoozeCount"
 * counted, so the worker can cap endless snoozing. ErrorMessage is kept: it still tells the last
 * failure. Fenced like release: a worker whose lease was lost changes nothing.
 */
export function snoozeSql(table: string): string {
  return `UPDATE ${table}
SET "Status" = 'Pending',
    "ScheduledTime" = now() + $4::double precision * interval '1 millisecond',
    "ProcessingAttempts" = "ProcessingAttempts" - 1,
    "SnoozeCount" = "SnoozeCount" + 1
WHERE ${FENCE}`;
}
