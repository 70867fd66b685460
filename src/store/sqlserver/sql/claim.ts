import { DECLARE_NOW, DUE, DUE_WORK, EXPIRED_LEASE, NEW_DEQUEUE_TIME } from '../sql-fragments';

/**
 * Claims up to @limit due rows; @leaseMs = lease in milliseconds. One batch, two statements:
 *
 * 1. `DECLARE @expiredId = (SELECT TOP (1) Id ... expired lease ORDER BY DequeueTime)`: the oldest
 *    expired lease (Processing, DequeueTime at or before @leaseCutoff) that nobody holds.
 * 2. `UPDATE t WITH (hints) SET ... OUTPUT inserted.* WHERE Id IN (SELECT TOP (@limit) Id FROM
 *    (<due work> UNION ALL <@expiredId, still expired>) ORDER BY priority, ScheduledTime) AND due`, then
 *    `SELECT @expiredId AS [TqwExpiredId]` as a second result.
 *
 * The rule, the same as the PostgreSQL claim's: up to @limit due work (Pending/Failed whose
 * ScheduledTime has come, highest priority then oldest first) and at most ONE expired lease; of
 * both, the @limit with the highest priority, then the oldest ScheduledTime. A message whose lease expired never finished its previous attempt, maybe
 * because it kills its worker. The worker runs it alone (ClaimedMessage.reclaimed); taking one at a
 * time keeps the others unclaimed meanwhile, so if it kills this worker too, no other message gets
 * an attempt counted for nothing. The store marks the claimed row whose Id is [TqwExpiredId] as
 * reclaimed.
 *
 * Why two statements and not `OUTPUT deleted.Status` (the row's status before the UPDATE): Babelfish
 * refuses any OUTPUT expression over `inserted.`/`deleted.` ("missing FROM-clause entry"), and next
 * to a plain `deleted.` column it finds the SET expressions' unqualified columns ambiguous, while a
 * qualified `[schema].[QueueMessages].Col` there silently reads the wrong relation for any schema but
 * dbo. This form runs unchanged on both servers. The lease is looked up apart from the UPDATE, so
 * its U lock ends with statement 1; statement 2 reads the row again by primary key with the same
 * hints and the UPDATE re-checks `due`, so a lease that another claimer took meanwhile is not
 * claimed (this claim then takes no expired lease, and the worker's next claim follows at once).
 * Every other expired lease stays out of statement 2: its candidates are due work and @expiredId.
 * Other shapes Babelfish refuses: an UPDATE through a CTE or derived table, an aliased
 * `UPDATE q ... FROM t q`, OUTPUT of a joined table's column.
 *
 * Hints on the inner SELECTs, each for a reason:
 * - UPDLOCK: read the candidates with update (U) locks, held until the statement's transaction
 *   ends (autocommitted). U is incompatible with U, so two claimers can never both take a row; the
 *   outer UPDATE converts our U locks to X on the rows it changes. In statement 1 it is what makes
 *   READPAST skip a row a running claim transaction holds with its U lock (a plain read would not).
 * - READPAST: skip rows another transaction has locked instead of waiting for it. Concurrent
 *   claimers take different rows (no convoy behind the first claimer), and rows held by a running
 *   claim transaction (withClaimTransaction) are skipped even after their lease expired; the
 *   expired lease is read from the base row (DequeueTime is not in the claim index, see migration
 *   0002), which is the row such a transaction locks.
 *   READPAST is only allowed at READ COMMITTED or REPEATABLE READ, so the batch sets READ
 *   COMMITTED first: session settings survive on pooled connections, and a handler may have
 *   changed the level on this same connection. (mssql runs parameterised statements through
 *   sp_executesql, so the SET lasts for this batch only and changes nothing for the session.)
 * - ROWLOCK: take row locks, not page or table locks. READPAST skips what it finds locked, so with
 *   page locks one claimer would hide a whole page of due rows from the others (or a coarser lock
 *   would make everyone wait).
 * Babelfish parses these hints but ignores them: there a second claimer waits for the first
 * instead of skipping (still never a double claim, because the outer UPDATE re-checks `due`).
 *
 * Hints on the outer UPDATE target, WITH (ROWLOCK, READPAST): the rows the inner SELECTs picked are
 * already U-locked by this same statement, so READPAST never skips them; it only matters when the
 * optimizer reads the target by a scan (small tables), where without it the UPDATE would wait on
 * every row another transaction holds, e.g. the row of a handler that is still running.
 *
 * Why `due` is repeated on the outer UPDATE: it is the guard that makes the statement correct even
 * where the hints are ignored (Babelfish) or two plans meet a row through different indexes: a row
 * that stopped being due between the inner read and the update is not claimed.
 *
 * Priority: highest ISNULL(Priority, 0) first (NULL, the article's producers, counts as 0), then
 * oldest ScheduledTime. With rows of non-zero priority due, the TOP is a top-N sort over the due
 * rows the (Status, ScheduledTime) index finds; see migration 0004-add-priority for why no new index.
 *
 * No TenantId filter: a row a producer wrote with another tenant's id must still be claimed so the
 * worker can dead-letter it (and log a security event) instead of leaving it forever.
 *
 * Times come from the database clock (@now, ms precision), so workers with skewed clocks agree on
 * leases. Claiming counts the attempt (ProcessingAttempts + 1) even if the worker then crashes.
 * OUTPUT inserted.* (not a column list): Babelfish lower-cases OUTPUT column names unless they are
 * `*` or aliased. OUTPUT order is unspecified; the store sorts the claimed rows by priority, then ScheduledTime.
 * Note: SQL Server refuses OUTPUT without INTO on a table with enabled triggers (error 334).
 */
export function claimSql(table: string, byType = false): string {
  // byType: @types is a JSON array of the message types the worker's handlers serve; rows of other
  // types are left alone (Pending, for a worker that serves them). OPENJSON runs on Babelfish too.
  const served = byType ? ` AND MessageType IN (SELECT value FROM OPENJSON(@types))` : '';
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
export function claimByTypeSql(table: string): string {
  return claimSql(table, true);
}
