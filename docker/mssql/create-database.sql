-- Creates one tenant database, unless it exists already (so re-running the init changes nothing).
-- Runs in master as the administrator.
-- Parameters (bound by docker/init/setup-mssql.js): @Database sysname.
-- By hand (sqlcmd, SSMS): put `DECLARE @Database sysname = N'tenant_a';` in front of it.
IF DB_ID(@Database) IS NULL
BEGIN
  -- CREATE DATABASE takes no variables, so the statement is built; QUOTENAME escapes the name.
  DECLARE @createDatabase nvarchar(max) = N'CREATE DATABASE ' + QUOTENAME(@Database) + N';';
  EXEC sys.sp_executesql @createDatabase;
END;
