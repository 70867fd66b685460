/**
 * Counts of all five statuses and the age (seconds) of the oldest due message, in one round trip.
 * This one scans the table (Completed is in no partial index): it serves the admin CLI's `stats`,
 * not the metrics loop (that is depth()). FILTER keeps it to a single pass.
 */
export function statsSql(table: string): string {
  return `SELECT
  count(*) FILTER (WHERE "Status" = 'Pending') AS "Pending",
  count(*) FILTER (WHERE "Status" = 'Processing') AS "Processing",
  count(*) FILTER (WHERE "Status" = 'Completed') AS "Completed",
  count(*) FILTER (WHERE "Status" = 'Failed') AS "Failed",
  count(*) FILTER (WHERE "Status" = 'DeadLetter') AS "DeadLetter",
  extract(epoch FROM now() - min("ScheduledTime")
    FILTER (WHERE "Status" IN ('Pending', 'Failed') AND "ScheduledTime" <= now())) AS "OldestDueAgeSeconds"
FROM ${table}`;
}
