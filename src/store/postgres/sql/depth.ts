/**
 * Queue depth for the metrics gauge: one scalar subquery per non-terminal status. Each WHERE names
 * one status with a literal, so the planner can prove it implies a partial index's predicate and
 * count from that small index ("IX_QueueMessages_Due" for Pending/Failed, "IX_QueueMessages_Lease"
 * for Processing, "IX_QueueMessages_DeadLetter"), never touching the millions of Completed rows.
 * (A GROUP BY over the whole table would scan them all.)
 */
export function depthSql(table: string): string {
  return `SELECT
  (SELECT count(*) FROM ${table} WHERE "Status" = 'Pending') AS "Pending",
  (SELECT count(*) FROM ${table} WHERE "Status" = 'Processing') AS "Processing",
  (SELECT count(*) FROM ${table} WHERE "Status" = 'Failed') AS "Failed",
  (SELECT count(*) FROM ${table} WHERE "Status" = 'DeadLetter') AS "DeadLetter"`;
}
