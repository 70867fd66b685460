/**
 * Pieces of T-SQL shared by several statements in ./sql (kept out of that folder so every file
 * there exports complete statements only, which the grammar test parses one by one).
 *
 * Parameter names are fixed: @id, @dequeueTime, @attempts (the fence, see bindFence in params.ts).
 */

/**
 * The database clock at millisecond precision. SYSUTCDATETIME() is datetime2(7); cast to
 * DATETIMEOFFSET(3) it carries offset +00:00 and no sub-millisecond digits, so a DequeueTime
 * written from it comes back through a JS Date unchanged and the fence still matches.
 */
export const NOW_MS = 'CAST(SYSUTCDATETIME() AS DATETIMEOFFSET(3))';

/** Declares @now once per batch, so every column a statement writes gets the same instant. */
export const DECLARE_NOW = `DECLARE @now DATETIMEOFFSET(3) = ${NOW_MS};`;

/**
 * The fence of every write about a claimed message. Each claim gives the row a new
 * (DequeueTime, ProcessingAttempts) pair, so a worker whose lease expired and whose message was
 * reclaimed matches 0 rows and changes nothing. `Id = @id` comes first: the primary key finds the row.
 */
export const FENCE = "Id = @id AND Status = N'Processing' AND DequeueTime = @dequeueTime AND ProcessingAttempts = @attempts";

/**
 * The DequeueTime a claim or heartbeat writes: @now, or the old value + 1 ms when that is not
 * earlier (same millisecond, e.g. release then reclaim, which leaves ProcessingAttempts unchanged),
 * so an old fence can never match a newer claim. In T-SQL every expression of a SET list reads the
 * row's values from before the UPDATE, so DequeueTime here is the old one. NULL (a row an
 * application wrote) compares unknown and takes @now.
 */
export const NEW_DEQUEUE_TIME =
  'CASE WHEN DequeueTime >= @now THEN DATEADD(millisecond, 1, CAST(DequeueTime AS DATETIMEOFFSET(3))) ELSE @now END';

/** Due work: a Pending or Failed row whose ScheduledTime has come. */
export const DUE_WORK = "Status IN (N'Pending', N'Failed') AND ScheduledTime <= @now";

/** An expired lease: a Processing row whose DequeueTime is at or before @leaseCutoff (= @now - lease). */
export const EXPIRED_LEASE = "Status = N'Processing' AND DequeueTime <= @leaseCutoff";

/**
 * A row is due: due work or an expired lease. The claim's outer UPDATE re-checks it on every row it
 * changes (see claim.ts).
 */
export const DUE = `((${DUE_WORK})
    OR (${EXPIRED_LEASE}))`;

/**
 * @now plus a delay given as @delaySeconds + @delayMillis. DATEADD takes an INT, which holds
 * only 24.8 days of milliseconds; split this way a delay can be up to 68 years.
 */
export const NOW_PLUS_DELAY = 'DATEADD(millisecond, @delayMillis, DATEADD(second, @delaySeconds, @now))';

/** Returns how many rows the previous statement changed, as a one-row result (see params.ts rowCountOf). */
export const SELECT_ROWCOUNT = 'SELECT @@ROWCOUNT AS [RowCount];';

/**
 * The rows of a batch that still hold their fences (completeMany and its DELETE form): @fences is a
 * JSON array of { id, dequeueTime, attempts } read with OPENJSON (compatibility level 130+); the
 * `Id IN` lets the optimizer seek the clustered key, the EXISTS checks each row against its own fence.
 */
export const IN_FENCES = `Status = N'Processing'
  AND Id IN (SELECT FenceId FROM OPENJSON(@fences) WITH (FenceId UNIQUEIDENTIFIER '$.id'))
  AND EXISTS (
    SELECT 1
    FROM OPENJSON(@fences) WITH (
      FenceId UNIQUEIDENTIFIER '$.id',
      FenceDequeueTime DATETIMEOFFSET(3) '$.dequeueTime',
      FenceAttempts INT '$.attempts') AS f
    WHERE f.FenceId = Id AND f.FenceDequeueTime = DequeueTime AND f.FenceAttempts = ProcessingAttempts)`;

/**
 * The pause rule of every statement that finds work (the claim, the readiness probe): a row is left
 * alone while its tenant is paused (an N'' row in `pauses`, the tenant's [QueuePauses]) or its type
 * is. Both subqueries are uncorrelated (NOT IN over a NOT NULL column is safe), so a table of a few
 * rows is read once per statement and the claim keeps its index seek. A paused type's rows are still
 * walked past (they stay in the claim index).
 */
export function notPaused(pauses: string): string {
  return `MessageType NOT IN (SELECT p.MessageType FROM ${pauses} AS p)
      AND NOT EXISTS (SELECT 1 FROM ${pauses} AS p WHERE p.MessageType = N'')`;
}
