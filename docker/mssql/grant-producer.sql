-- The demo producer's rights in one tenant database: it only enqueues, with the plain INSERT a .NET / EF Core
-- application would run (docker/producer/produce.js), so INSERT on QueueMessages is all it gets.
-- Runs in the tenant database as the administrator, after `tqw migrate`. GRANT is idempotent.
-- Parameters (bound by docker/init/setup-mssql.js): @Login sysname, @Schema sysname.
DECLARE @grants nvarchar(max) =
  N'GRANT INSERT ON OBJECT::' + QUOTENAME(@Schema) + N'.[QueueMessages] TO ' + QUOTENAME(@Login) + N';';
EXEC sys.sp_executesql @grants;
