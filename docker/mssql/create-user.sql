-- Maps a login to a user of the current (tenant) database, unless it is mapped already. The user gets no role
-- membership here (in particular not db_owner); grant-worker.sql / grant-producer.sql give it object rights.
-- Runs in the tenant database as the administrator.
-- Parameters (bound by docker/init/setup-mssql.js): @Login sysname (the user gets the same name), @Schema sysname
-- (its default schema: the one holding QueueMessages).
IF DATABASE_PRINCIPAL_ID(@Login) IS NULL
BEGIN
  DECLARE @createUser nvarchar(max) =
    N'CREATE USER ' + QUOTENAME(@Login) + N' FOR LOGIN ' + QUOTENAME(@Login) + N' WITH DEFAULT_SCHEMA = ' + QUOTENAME(@Schema) + N';';
  EXEC sys.sp_executesql @createUser;
END;
