-- Creates a SQL login (the worker's, the producer's), or sets its password when it exists: re-running the init
-- with a new password rotates it (see the README's runbook).
-- Runs in master as the administrator.
-- Parameters (bound by docker/init/setup-mssql.js): @Login sysname, @Password nvarchar(128).
IF @Password IS NULL OR LEN(@Password) = 0 OR LEN(@Password) > 128
BEGIN
  -- QUOTENAME (below) returns NULL past 128 characters, which would make the statement silently do nothing.
  THROW 50001, N'the login password must be 1 to 128 characters long', 1;
END;

DECLARE @statement nvarchar(max);
IF NOT EXISTS (SELECT 1 FROM sys.server_principals WHERE name = @Login AND type = N'S')
  -- CHECK_POLICY: the password must meet the server's complexity rules, like any other login's.
  -- Babelfish (SERVERPROPERTY('babelfish') set) has no password policy and refuses the option.
  -- DEFAULT_DATABASE stays master: every tenant connection string names its own database.
  SET @statement = N'CREATE LOGIN ' + QUOTENAME(@Login)
    + N' WITH PASSWORD = ' + QUOTENAME(@Password, N'''')
    + CASE WHEN SERVERPROPERTY('babelfish') IS NULL THEN N', CHECK_POLICY = ON' ELSE N'' END
    + N', DEFAULT_DATABASE = [master];';
ELSE
  SET @statement = N'ALTER LOGIN ' + QUOTENAME(@Login) + N' WITH PASSWORD = ' + QUOTENAME(@Password, N'''') + N';';
-- Logins take no variables either; QUOTENAME(…, '''') doubles any quote inside the password.
EXEC sys.sp_executesql @statement;
