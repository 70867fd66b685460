import { NOW_MS, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * Retention: deletes at most @batchSize rows of status @status ('Completed' or 'DeadLetter') whose
 * last activity, COALESCE(LastAttemptTime, CreatedAt), is older than the database's now minus
 * (@olderThanSeconds + @olderThanMillis).
 * - DELETE TOP (@batchSize) in small batches (the caller loops; the store caps a batch at 1,000):
 *   SQL Server tries to escalate to a TABLE lock once one statement holds about 5,000 locks on a
 *   table or index, which would stop every claimer. Each deleted row takes a key lock in the
 *   clustered index and in each nonclustered index, so 1,000 rows stay far below that threshold.
 * - ROWLOCK: row locks from the start (no page locks that would block claimers on neighbouring
 *   rows); READPAST: a row another transaction holds is left for the next round instead of making
 *   retention wait. READPAST needs READ COMMITTED, hence the SET (session settings survive on
 *   pooled connections; through sp_executesql the SET lasts for this statement only).
 * The changed-row count is SELECTed.
 */
export function purgeSql(table: string): string {
  return `SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
DECLARE @cutoff DATETIMEOFFSET(3) = DATEADD(millisecond, -@olderThanMillis, DATEADD(second, -@olderThanSeconds, ${NOW_MS}));
DELETE TOP (@batchSize) FROM ${table} WITH (ROWLOCK, READPAST)
WHERE Status = @status AND COALESCE(LastAttemptTime, CreatedAt) < @cutoff;
${SELECT_ROWCOUNT}`;
}
