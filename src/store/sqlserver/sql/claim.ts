import { DECLARE_NOW, DUE, NEW_DEQUEUE_TIME } from '../sql-fragments';

/**
 * Claims up to @limit due rows in ONE autocommitted statement; @leaseMs = lease in milliseconds.
 *
 * Shape: `UPDATE t WITH (hints) ... OUTPUT inserted.* WHERE Id IN (SELECT TOP (@limit) Id FROM t
 * WITH (hints) WHERE due ORDER BY ScheduledTime) AND due`. It runs on SQL Server and is built from
 * the forms /work/shared/NOTES.md records as running on Babelfish for PostgreSQL too (this
 * `Id IN (SELECT TOP ...)` UPDATE, and lock hints on an UPDATE target); Babelfish rejects the
 * alternatives: an UPDATE through a CTE or derived table, or an aliased `UPDATE q ... FROM t q`.
 *
 * Hints on the inner SELECT, each for a reason:
 * - UPDLOCK: read the candidates with update (U) locks, held until the statement's transaction
 *   ends (this autocommitted UPDATE). U is incompatible with U, so two claimers can never both
 *   take a row; the outer UPDATE converts our U locks to X on the rows it changes.
 * - READPAST: skip rows another transaction has locked instead of waiting for it. Concurrent
 *   claimers take different rows (no convoy behind the first claimer), and rows held by a running
 *   claim transaction (withClaimTransaction) are skipped even after their lease expired.
 *   READPAST is only allowed at READ COMMITTED or REPEATABLE READ, so the batch sets READ
 *   COMMITTED first: session settings survive on pooled connections, and a handler may have
 *   changed the level on this same connection. (mssql runs parameterised statements through
 *   sp_executesql, so the SET lasts for this statement only and changes nothing for the session.)
 * - ROWLOCK: take row locks, not page or table locks. READPAST skips what it finds locked, so with
 *   page locks one claimer would hide a whole page of due rows from the others (or a coarser lock
 *   would make everyone wait).
 * Babelfish parses these hints but ignores them: there a second claimer waits for the first
 * instead of skipping (still never a double claim, because the outer UPDATE re-checks `due`).
 *
 * Hints on the outer UPDATE target, WITH (ROWLOCK, READPAST): the rows the inner SELECT picked are
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
 * `*` or aliased. [TqwReclaimed] (from the row's status before this UPDATE, deleted.Status) tells
 * rows taken over from an expired lease from due work; the worker runs those alone. OUTPUT order is unspecified; the store sorts the claimed rows by ScheduledTime.
 * Note: SQL Server refuses OUTPUT without INTO on a table with enabled triggers (error 334).
 */
export function claimSql(table: string, byType = false): string {
  // byType: @types is a JSON array of the message types the worker's handlers serve; rows of other
  // types are left alone (Pending, for a worker that serves them). OPENJSON runs on Babelfish too.
  const served = byType ? `\n    AND MessageType IN (SELECT value FROM OPENJSON(@types))` : '';
  return `SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
${DECLARE_NOW}
DECLARE @leaseCutoff DATETIMEOFFSET(3) = DATEADD(millisecond, -@leaseMs, @now);
UPDATE ${table} WITH (ROWLOCK, READPAST)
SET Status = N'Processing',
    DequeueTime = ${NEW_DEQUEUE_TIME},
    LastAttemptTime = ${NEW_DEQUEUE_TIME},
    ProcessingAttempts = ProcessingAttempts + 1
OUTPUT inserted.*, CAST(CASE WHEN deleted.Status = N'Processing' THEN 1 ELSE 0 END AS BIT) AS [TqwReclaimed]
WHERE Id IN (
    SELECT TOP (@limit) Id
    FROM ${table} WITH (UPDLOCK, READPAST, ROWLOCK)
    WHERE ${DUE}${served}
    ORDER BY ISNULL(Priority, 0) DESC, ScheduledTime)
  AND ${DUE};`;
}

/** The claim of a worker that serves only the message types in @types (a JSON array): see claimSql's byType. */
export function claimByTypeSql(table: string): string {
  return claimSql(table, true);
}
