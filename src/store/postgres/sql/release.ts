import { FENCE } from './fence';

/**
 * Hands a claim back on graceful shutdown ($1..$3 fence, $4 reason): Pending and due now, so another
 * worker takes it at once, and the attempt is not counted (the claim's + 1 is undone): being
 * interrupted by a deploy is not the message's fault.
 */
export function releaseSql(table: string): string {
  return `UPDATE ${table}
SET "Status" = 'Pending',
    "ScheduledTime" = now(),
    "ProcessingAttempts" = "ProcessingAttempts" - 1,
    "ErrorMessage" = $4::text
WHERE ${FENCE}`;
}
