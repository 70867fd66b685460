import { DECLARE_NOW, DUE, DUE_WORK, EXPIRED_LEASE, NEW_DEQUEUE_TIME, notPaused } from '../sql-fragments';

/**
 * Claims up to @limit due rows; @leaseMs = lease in milliseconds. One batch, two statements:
 * 1. `DECLARE @expiredId = (SELECT TOP (1) Id ... expired lease ORDER BY DequeueTime)`.
 * 2. `UPDATE ... OUTPUT inserted.* WHERE Id IN (TOP (@limit) of <due work> UNION ALL <@expiredId,
 *    still expired>, by priority then ScheduledTime) AND due`, then `SELECT @expiredId AS [TqwExpiredId]`.
 *
 * The rule, the same as the PostgreSQL claim's: up to @limit due work and at most ONE expired lease
 * (its previous attempt never finished, maybe because it kills its worker: the worker runs it alone,
 * ClaimedMessage.reclaimed, so no other message gets an attempt counted for nothing). Two statements
 * because Babelfish refuses the one-statement forms (OUTPUT deleted.*, UPDATE through a CTE); the
 * UPDATE re-reads the expired lease by primary key and re-checks `due`, so a lease another claimer
 * took meanwhile is not claimed.
 *
 * Hints on the inner SELECTs:
 * - UPDLOCK: U locks until the statement ends, so two claimers never take the same row; in statement
 *   1 it makes READPAST skip a row a running claim transaction holds.
 * - READPAST: skip locked rows instead of waiting (no convoy; rows of a running claim transaction are
 *   skipped even past their lease). It needs READ COMMITTED, so the batch sets it (a handler may have
 *   changed the level on this pooled connection; the SET lasts for this batch only).
 * - ROWLOCK: row locks, so one claimer never hides a page of due rows from the others.
 * On the UPDATE target, ROWLOCK and READPAST matter only when it is read by a scan (small tables).
 * `due` is repeated on the UPDATE: the guard that keeps it correct where hints are ignored (Babelfish,
 * where a second claimer waits instead of skipping) or two plans meet a row through different indexes.
 *
 * Pause: `pauses` is the tenant's [QueuePauses]; rows of a paused tenant or type stay Pending and
 * their expired leases are not taken over (see notPaused in sql-fragments.ts).
 * Priority: highest ISNULL(Priority, 0) first, then oldest ScheduledTime (migration 0004 says why no
 * new index). No TenantId filter: a row with another tenant's id must be claimed to be dead-lettered.
 * Times come from the database clock (@now), so workers with skewed clocks agree on leases; claiming
 * counts the attempt. OUTPUT inserted.* (Babelfish lower-cases OUTPUT names unless `*` or aliased);
 * its order is unspecified (the store sorts). SQL Server refuses OUTPUT without INTO on a table with
 * enabled triggers (error 334). More: docs/sql-notes.md, "SQL Server claim".
 */
export function claimSql(table: string, pauses: string, byType = false): string {
  // byType: @types is a JSON array of the message types the worker's handlers serve; rows of other
  // types are left alone (Pending, for a worker that serves them). OPENJSON runs on Babelfish too.
  const served = `${byType ? ` AND MessageType IN (SELECT value FROM OPENJSON(@types))` : ''}
      AND ${notPaused(pauses)}`;
  return `SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
${DECLARE_NOW}
DECLARE @leaseCutoff DATETIMEOFFSET(3) = DATEADD(millisecond, -@leaseMs, @now);
DECLARE @expiredId UNIQUEIDENTIFIER = (
    SELECT TOP (1) Id
    FROM ${table} WITH (UPDLOCK, READPAST, ROWLOCK)
    WHERE ${EXPIRED_LEASE}${served}
    ORDER BY DequeueTime);
UPDATE ${table} WITH (ROWLOCK, READPAST)
SET Status = N'Processing',
    DequeueTime = ${NEW_DEQUEUE_TIME},
    LastAttemptTime = ${NEW_DEQUEUE_TIME},
    ProcessingAttempts = ProcessingAttempts + 1
OUTPUT inserted.*
WHERE Id IN (
    SELECT TOP (@limit) Id FROM (
        SELECT Id, Priority, ScheduledTime FROM (
            SELECT TOP (@limit) Id, ISNULL(Priority, 0) AS Priority, ScheduledTime
            FROM ${table} WITH (UPDLOCK, READPAST, ROWLOCK)
            WHERE ${DUE_WORK}${served}
            ORDER BY ISNULL(Priority, 0) DESC, ScheduledTime) AS DueWork
        UNION ALL
        SELECT Id, ISNULL(Priority, 0) AS Priority, ScheduledTime
        FROM ${table} WITH (UPDLOCK, READPAST, ROWLOCK)
        WHERE Id = @expiredId AND ${EXPIRED_LEASE}
    ) AS Candidates
    ORDER BY Priority DESC, ScheduledTime)
  AND ${DUE};
SELECT @expiredId AS [TqwExpiredId];`;
}

/** The claim of a worker that serves only the message types in @types (a JSON array): see claimSql's byType. */
export function claimByTypeSql(table: string, pauses: string): string {
  return claimSql(table, pauses, true);
}
