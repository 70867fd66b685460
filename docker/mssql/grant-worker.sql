-- The worker's rights in one tenant database: data access to the six tables it touches, nothing else. No DDL
-- (the administrator runs `tqw migrate`), no db_owner, no db_datareader on the whole database.
--   QueueMessages: SELECT (queue depth, dead-letter listing), UPDATE (claim with UPDATE ... OUTPUT, complete,
--                  retry, dead-letter, requeue), INSERT (handlers enqueueing follow-up messages in their
--                  transaction), DELETE (retention of completed and old dead-lettered rows).
--   QueueMessageErrors: INSERT (retry and dead-letter append the failed attempt's error).
--   QueuePauses:   SELECT (every claim and readiness probe reads the pause switches), INSERT, DELETE (the
--                  operator console inside `tqw run` pauses and resumes tenants).
--   QueueLimits:   SELECT, INSERT, UPDATE (the token buckets of tenants with rate limits).
--   QueueSchedules: SELECT, INSERT, UPDATE (recurring schedules: each occurrence moves its row's LastOccurrence).
--   Products:      the example ProductUpdate handler upserts it inside the message's transaction.
-- Runs in the tenant database as the administrator, after `tqw migrate` and the examples' products SQL created
-- the tables. GRANT is idempotent, so re-running the init changes nothing.
-- Parameters (bound by docker/init/setup-mssql.js): @Login sysname, @Schema sysname.
DECLARE @grants nvarchar(max) =
    N'GRANT SELECT, INSERT, UPDATE, DELETE ON OBJECT::' + QUOTENAME(@Schema) + N'.[QueueMessages] TO ' + QUOTENAME(@Login) + N';'
  + N'GRANT INSERT ON OBJECT::' + QUOTENAME(@Schema) + N'.[QueueMessageErrors] TO ' + QUOTENAME(@Login) + N';'
  + N'GRANT SELECT, INSERT, DELETE ON OBJECT::' + QUOTENAME(@Schema) + N'.[QueuePauses] TO ' + QUOTENAME(@Login) + N';'
  + N'GRANT SELECT, INSERT, UPDATE ON OBJECT::' + QUOTENAME(@Schema) + N'.[QueueLimits] TO ' + QUOTENAME(@Login) + N';'
  + N'GRANT SELECT, INSERT, UPDATE ON OBJECT::' + QUOTENAME(@Schema) + N'.[QueueSchedules] TO ' + QUOTENAME(@Login) + N';'
  + N'GRANT SELECT, INSERT, UPDATE, DELETE ON OBJECT::' + QUOTENAME(@Schema) + N'.[Products] TO ' + QUOTENAME(@Login) + N';';
EXEC sys.sp_executesql @grants;
