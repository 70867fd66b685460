/**
 * Queue depth for the metrics gauge: one COUNT per non-terminal status, each a seek on the claim
 * index (Status is its leading column), never touching the millions of Completed rows.
 * WITH (NOLOCK): a gauge refreshed on an interval needs no exact snapshot, and must not wait
 * behind in-flight transactions (a transactional handler holds its row for its whole run).
 */
export function depthSql(table: string): string {
  return `SELECT
  (SELECT COUNT(*) FROM ${table} WITH (NOLOCK) WHERE Status = N'Pending') AS [Pending],
  (SELECT COUNT(*) FROM ${table} WITH (NOLOCK) WHERE Status = N'Processing') AS [Processing],
  (SELECT COUNT(*) FROM ${table} WITH (NOLOCK) WHERE Status = N'Failed') AS [Failed],
  (SELECT COUNT(*) FROM ${table} WITH (NOLOCK) WHERE Status = N'DeadLetter') AS [DeadLetter];`;
}
