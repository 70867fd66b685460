/**
 * `"Status" = 'Processing'`, written so that the planner cannot use it to choose the partial
 * index "IX_QueueMessages_Lease": a fenced statement must find its row(s) by primary key, not visit
 * every row of a claim batch (they share one DequeueTime) through that index. `|| ''` leaves the
 * value and the comparison as they were (Status is NOT NULL).
 * Figures: docs/performance.md, "A status check the planner cannot use".
 */
export const STATUS_IS_PROCESSING = `"Status" || '' = 'Processing'`;

/**
 * The fence every write about a claimed message carries ($1 = Id, $2 = DequeueTime,
 * $3 = ProcessingAttempts; see fenceParams). Each claim gives a row a new (DequeueTime,
 * ProcessingAttempts) pair, so a worker whose message was reclaimed matches 0 rows and changes nothing.
 */
export const FENCE = `"Id" = $1::uuid AND ${STATUS_IS_PROCESSING} AND "DequeueTime" = $2::timestamptz AND "ProcessingAttempts" = $3::integer`;

/**
 * The fences of a batch as rows f("Id", "DequeueTime", "ProcessingAttempts"), unnested from the
 * parallel binary arrays $1 uuid[], $2 timestamptz[], $3 integer[] (fence-arrays.ts).
 */
export const FENCE_ROWS = `unnest($1::uuid[], $2::timestamptz[], $3::integer[]) AS f("Id", "DequeueTime", "ProcessingAttempts")`;

/** A row of `q` joined to its fence row f of FENCE_ROWS: by primary key, each checked against its own fence. */
export const MATCHES_FENCE_ROW = `q."Id" = f."Id"
  AND q.${STATUS_IS_PROCESSING}
  AND q."DequeueTime" = f."DequeueTime"
  AND q."ProcessingAttempts" = f."ProcessingAttempts"`;

/**
 * The DequeueTime a claim or heartbeat writes (`col`: the qualified column): the database clock
 * truncated to milliseconds, so the value survives a JS Date and the fence still matches. At least
 * old + 1 ms, so even within one millisecond (release then reclaim) an old fence never matches a newer claim.
 */
export function newDequeueTime(col: string): string {
  return `GREATEST(date_trunc('milliseconds', now()), ${col} + interval '1 millisecond')`;
}
