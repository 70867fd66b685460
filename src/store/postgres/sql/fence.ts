/**
 * The fence every write about a claimed message carries in its WHERE clause ($1 = Id,
 * $2 = DequeueTime, $3 = ProcessingAttempts; see fenceParams). Each claim gives a row a new
 * (DequeueTime, ProcessingAttempts) pair, so a worker whose lease expired and whose message was
 * reclaimed matches 0 rows and changes nothing. "Id" = $1 comes first so the primary key finds the row.
 */
export const FENCE = `"Id" = $1::uuid AND "Status" = 'Processing' AND "DequeueTime" = $2::timestamptz AND "ProcessingAttempts" = $3::integer`;

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
