import { NOW_MS } from '../../sql-fragments';

/**
 * Retention pre-check for many tables in ONE statement, across the databases of a server: the
 * [Index] of each table holding rows purge.ts would delete (Status = @status, last activity
 * before now - (@olderThanSeconds + @olderThanMillis)). The sweeper then sends DELETEs only there.
 * Same predicate and hints as purge.ts (a seek on the Status range of the claim index; READPAST
 * under READ COMMITTED, so rows being written are skipped, not waited for), read-only.
 */
export function hasPurgeableSql(tables: readonly string[]): string {
  if (tables.length === 0) throw new RangeError('hasPurgeableSql needs at least one table');
  return `SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
DECLARE @cutoff DATETIMEOFFSET(3) = DATEADD(millisecond, -@olderThanMillis, DATEADD(second, -@olderThanSeconds, ${NOW_MS}));
${tables
  .map(
    (table, index) => `SELECT ${index} AS [Index] WHERE EXISTS (
  SELECT 1 FROM ${table} WITH (READPAST) WHERE Status = @status AND COALESCE(LastAttemptTime, CreatedAt) < @cutoff)`,
  )
  .join('\nUNION ALL\n')};`;
}
