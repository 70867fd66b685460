import { DECLARE_NOW } from '../sql-fragments';

/**
 * Counts of all five statuses and the age (seconds) of the oldest due message, in one pass.
 * This one scans the table (it serves the admin CLI's `stats`, not the metrics loop: see depth.ts).
 * WITH (NOLOCK): approximate counts are fine for a report, and a locking scan would otherwise wait
 * behind every row an in-flight transaction holds (or block writers while it reads).
 * DATEDIFF_BIG in milliseconds: plain DATEDIFF returns INT and overflows after 24.8 days.
 */
export function statsSql(table: string): string {
  return `${DECLARE_NOW}
SELECT
  COUNT(CASE WHEN Status = N'Pending' THEN 1 END) AS [Pending],
  COUNT(CASE WHEN Status = N'Processing' THEN 1 END) AS [Processing],
  COUNT(CASE WHEN Status = N'Completed' THEN 1 END) AS [Completed],
  COUNT(CASE WHEN Status = N'Failed' THEN 1 END) AS [Failed],
  COUNT(CASE WHEN Status = N'DeadLetter' THEN 1 END) AS [DeadLetter],
  DATEDIFF_BIG(millisecond,
    MIN(CASE WHEN Status IN (N'Pending', N'Failed') AND ScheduledTime <= @now THEN ScheduledTime END),
    @now) / 1000.0 AS [OldestDueAgeSeconds]
FROM ${table} WITH (NOLOCK);`;
}
