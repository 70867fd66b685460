/**
 * `"Status" = 'Processing'`, written so that the planner cannot use it to choose the partial
 * index "IX_QueueMessages_Lease": a fenced statement must find its row(s) by primary key, not visit
 * every row of a claim batch (they share one DequeueTime) through that index. `|| ''` leaves the
 * value and the comparison as they were (Status is NOT NULL).
 * Figures: docs/performance.md, "A status check the planner cannot use".
 */
export const STATUS_IS_PROCESSING = `"Status" || '' = 'Processing'`;

/**
 * The fence every write about a claimed message carries in its WHERE clause ($1 = Id,
 * $2 = DequeueTime, $3 = ProcessingAttempts; see fenceParams). Each claim gives a row a new
 * (DequeueTime, ProcessingAttempts) pair, so a worker whose lease expired and whose message was
 * reclaimed matches 0 rows and changes nothing. The row is found by primary key ("Id" = $1, see
 * STATUS_IS_PROCESSING).
 */
export const FENCE = `"Id" = $1::uuid AND ${STATUS_IS_PROCESSING} AND "DequeueTime" = $2::timestamptz AND "ProcessingAttempts" = $3::integer`;

/**
 * The fences of a batch as rows: $1 uuid[], $2 timestamptz[], $3 integer[] are parallel arrays
 * (see fenceArrays in fence-arrays.ts: binary arrays) that unnest zips into rows f("Id", "DequeueTime", "ProcessingAttempts").
 */
export const FENCE_ROWS = `unnest($1::uuid[], $2::timestamptz[], $3::integer[]) AS f("Id", "DequeueTime", "ProcessingAttempts")`;

/**
 * A row of the table `q` joined to its fence row f of FENCE_ROWS: found by primary key, each row
 * checked against its own fence (see STATUS_IS_PROCESSING for the form of the status check).
 */
export const MATCHES_FENCE_ROW = `q."Id" = f."Id"
  AND q.${STATUS_IS_PROCESSING}
  AND q."DequeueTime" = f."DequeueTime"
  AND q."ProcessingAttempts" = f."ProcessingAttempts"`;

/**
 * The DequeueTime a claim or heartbeat writes: the database clock truncated to milliseconds, so the
 * value survives the round trip through a JS Date and the fence still matches when it comes back.
 * GREATEST(..., old + 1 ms) makes the new value differ from the previous one even within the same
 * millisecond (e.g. release then reclaim, which leaves ProcessingAttempts unchanged), so an old
 * fence can never match a newer claim. `col` is the (qualified) DequeueTime column.
 */
export function newDequeueTime(col: string): string {
  return `GREATEST(date_trunc('milliseconds', now()), ${col} + interval '1 millisecond')`;
}
