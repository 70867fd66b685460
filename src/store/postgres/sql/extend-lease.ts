import { asyncCommitCondition } from './async-commit';
import { FENCE, newDequeueTime } from './fence';

/**
 * Heartbeat of a non-transactional handler ($1..$3 fence): moves DequeueTime to the database's now,
 * which restarts the lease. The new DequeueTime is the new fence (returned), so the old one stops
 * matching: GREATEST(.., old + 1 ms) guarantees it changes even within the same millisecond.
 */
export function extendLeaseSql(table: string, asyncCommit = false): string {
  return `UPDATE ${table}
SET "DequeueTime" = ${newDequeueTime('"DequeueTime"')}
WHERE ${FENCE}${asyncCommitCondition(asyncCommit)}
RETURNING "Id", "DequeueTime", "ProcessingAttempts"`;
}
