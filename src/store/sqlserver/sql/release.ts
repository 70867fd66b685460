import { FENCE, NOW_MS, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * Hands a claim back on graceful shutdown (fence @id, @dequeueTime, @attempts; @reason): Pending
 * and due now, so another worker takes it at once, and the attempt is not counted (the claim's
 * + 1 is undone): being interrupted by a deploy is not the message's fault. DequeueTime is kept,
 * so the next claim's DequeueTime is later than it (see NEW_DEQUEUE_TIME) and this fence dies.
 */
export function releaseSql(table: string): string {
  return `UPDATE ${table}
SET Status = N'Pending',
    ScheduledTime = ${NOW_MS},
    ProcessingAttempts = ProcessingAttempts - 1,
    ErrorMessage = @reason
WHERE ${FENCE};
${SELECT_ROWCOUNT}`;
}
