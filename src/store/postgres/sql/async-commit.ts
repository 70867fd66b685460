/**
 * StoreOptions.asyncCommit (config key db.asyncCommit): the statement commits without waiting for the
 * write-ahead-log flush. set_config(..., true) is SET LOCAL for the statement's own implicit
 * transaction: no extra round trip, nothing left on the pooled connection. As an uncorrelated scalar
 * subquery it is a one-time filter: it neither runs per row nor changes the join plan. The trade: a
 * crash of the database server may lose the last moments of claims and completions (they run again);
 * a transactional handler's own transaction always commits synchronously.
 * More: docs/sql-notes.md, "asyncCommit as a one-time filter".
 */
export function asyncCommitCondition(asyncCommit: boolean): string {
  return asyncCommit ? `\n  AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL` : '';
}
