import { DECLARE_NOW, notPaused } from '../../sql-fragments';
import { PAUSES_TABLE, quoteLiteral, siblingTable } from '../../quote-table';

/**
 * Tables one SQL Server group statement names. One statement per server and login per probe
 * interval is the point (worker.sqlServerProbeMs), so a thousand tenant databases stay one
 * statement; its plan is compiled once and reused (mssql sends it through sp_executesql with the
 * same text every time).
 */
export const SQLSERVER_TABLES_PER_STATEMENT = 1_000;

/**
 * The readiness probe of idle tenants: ONE statement for many tables, across every database of the
 * server that the login can read (three-part names [database].[schema].[QueueMessages]), instead of
 * one claim per tenant and poll interval. One row per table that holds work: [Index] in the order
 * given, [Due] = the earliest ScheduledTime of its Pending and of its Failed rows, [Held] = the
 * earliest DequeueTime of its Processing rows (the caller adds the lease), and [Now], the database
 * clock, so the caller computes "due in" without trusting its own clock.
 * - Each MIN is a seek on the claim index (Status, ScheduledTime): MIN(ScheduledTime) of one Status
 *   is the first key of that range (TOP 1), whatever the backlog; Pending and Failed are separate
 *   MINs for that reason (an IN would read both ranges whole). Processing rows are few (in flight).
 * - WITH (READPAST) under READ COMMITTED (set first; see claim.ts): rows another transaction holds
 *   are skipped instead of waited for. A producer's uncommitted INSERT is not work yet; a message
 *   whose transactional handler is running (its row locked by the claim transaction) is not work
 *   for anyone either. The probe never blocks on a busy tenant.
 * - Paused work (the tenant's [QueuePauses], see notPaused) is not work: a paused tenant reads as idle.
 * - Tables without work return no row: an idle server answers with an empty result.
 * Babelfish (multi-db mode) runs three-part names too; if a server refuses them, the worker's probe
 * fails, and its tenants fall back to polling on their own.
 */
export function nextDueSql(tables: readonly string[], types?: readonly string[]): string {
  if (tables.length === 0) throw new RangeError('nextDueSql needs at least one table');
  // Only work of the worker's served types counts (literals: the list is fixed for the worker's life).
  const served = types === undefined ? '' : ` AND MessageType IN (${types.length === 0 ? 'NULL' : types.map(quoteLiteral).join(', ')})`;
  const branches = tables.map((table, index) => {
    const runnable = `${served}\n      AND ${notPaused(siblingTable(table, PAUSES_TABLE))}`;
    return `SELECT ${index} AS [Index],
    (SELECT MIN(ScheduledTime) FROM ${table} WITH (READPAST) WHERE Status = N'Pending'${runnable}) AS [Pending],
    (SELECT MIN(ScheduledTime) FROM ${table} WITH (READPAST) WHERE Status = N'Failed'${runnable}) AS [Failed],
    (SELECT MIN(DequeueTime) FROM ${table} WITH (READPAST) WHERE Status = N'Processing'${runnable}) AS [Held]`;
  });
  return `SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
${DECLARE_NOW}
SELECT w.[Index],
  CASE WHEN w.[Failed] IS NULL OR w.[Pending] <= w.[Failed] THEN w.[Pending] ELSE w.[Failed] END AS [Due],
  w.[Held],
  @now AS [Now]
FROM (
${branches.join('\nUNION ALL\n')}
) AS w
WHERE w.[Pending] IS NOT NULL OR w.[Failed] IS NOT NULL OR w.[Held] IS NOT NULL;`;
}
