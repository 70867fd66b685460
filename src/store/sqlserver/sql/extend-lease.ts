import { DECLARE_NOW, FENCE, NEW_DEQUEUE_TIME } from '../sql-fragments';

/**
 * Heartbeat of a non-transactional handler (fence @id, @dequeueTime, @attempts): moves DequeueTime
 * to the database's now, which restarts the lease. The new DequeueTime is the new fence; OUTPUT
 * returns it (aliased, so Babelfish keeps the names' case). No row = the fence no longer matches.
 */
export function extendLeaseSql(table: string): string {
  return `${DECLARE_NOW}
UPDATE ${table}
SET DequeueTime = ${NEW_DEQUEUE_TIME}
OUTPUT inserted.Id AS [Id], inserted.DequeueTime AS [DequeueTime], inserted.ProcessingAttempts AS [ProcessingAttempts]
WHERE ${FENCE};`;
}
