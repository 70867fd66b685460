/**
 * StoreOptions.asyncCommit (config key db.asyncCommit): the worker's bookkeeping statements commit
 * without waiting for the write-ahead log to reach disk.
 *
 * Why this form: set_config(..., is_local => true) is SET LOCAL as a function, so it changes
 * synchronous_commit for the current transaction only, here the statement's own implicit
 * transaction, and PostgreSQL reads the setting when that transaction commits. Written inside the
 * statement it costs no extra round trip (a separate SET LOCAL would need BEGIN ... COMMIT around
 * it) and no session setting is left behind on the pooled connection (which a plain SET would leak
 * to whoever gets the connection next, e.g. through PgBouncer's transaction pooling).
 * As an uncorrelated scalar subquery without column references the condition becomes a one-time
 * filter (an InitPlan run once when the statement starts), so it neither runs per row nor changes
 * the statement's join plan (the primary-key nested loops the batch statements rely on).
 *
 * What it trades: after a crash of the database server (not of the worker, and not a clean
 * restart) the last moments of claims and completions (up to about 3 x wal_writer_delay, 600 ms
 * by default) may be lost: those messages are claimed and run again, as after any crash of the
 * at-least-once non-transactional path. A transactional handler's own transaction is never
 * affected: it commits synchronously, and its flush also makes every earlier bookkeeping commit
 * durable (the log is written in order).
 */
export function asyncCommitCondition(asyncCommit: boolean): string {
  return asyncCommit ? `\n  AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL` : '';
}
