/**
 * Statements of the migration runner itself (not of the queue). `@name` markers are bind
 * parameters; table names come from quoteTable().
 */
import { quoteLiteral } from '../quote-table';

/**
 * Serialises migrations of one schema across processes: sp_getapplock on @resource
 * ('tqw:migrate:<schema>'; app locks are per database), owned by the TRANSACTION, so it is released
 * by COMMIT/ROLLBACK, and by the server when the session dies; no lock can outlive a crashed
 * migrator. A session-owned lock would need one connection across several requests, which a pool
 * only guarantees inside a transaction anyway. Waits up to @timeoutMs; the result code (>= 0
 * granted, < 0 timeout/deadlock/error) is SELECTed because EXEC's return value is not a result row.
 * (Babelfish implements sp_getapplock; not tried there yet.)
 */
export const LOCK_MIGRATIONS_SQL = `DECLARE @result INT;
EXEC @result = sp_getapplock @Resource = @resource, @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = @timeoutMs;
SELECT @result AS [Result];`;

/**
 * Creates the tenant's schema when missing. CREATE SCHEMA must be alone in its batch, hence the
 * dynamic SQL; QUOTENAME(@schema) quotes the name on the server (it is a parameter, not SQL text).
 * Checking first means a login without CREATE SCHEMA can still migrate an existing schema; the
 * queue table (@queueTable, its quoted name) is checked too because metadata functions return NULL
 * for what a login has no permission on, and a least-privilege login may hold rights on the table
 * only.
 */
export const CREATE_SCHEMA_SQL = `IF SCHEMA_ID(@schema) IS NULL AND OBJECT_ID(@queueTable, N'U') IS NULL
BEGIN
  DECLARE @ddl NVARCHAR(400) = N'CREATE SCHEMA ' + QUOTENAME(@schema);
  EXEC (@ddl);
END;`;

/** Applied migration ids, one row each; small and only read by the runner. */
export function createMigrationsTableSql(migrationsTable: string): string {
  return `IF OBJECT_ID(${quoteLiteral(migrationsTable)}, N'U') IS NULL
CREATE TABLE ${migrationsTable} (
  Id NVARCHAR(200) NOT NULL CONSTRAINT [PK_QueueMigrations] PRIMARY KEY,
  AppliedAt DATETIMEOFFSET NOT NULL CONSTRAINT [DF_QueueMigrations_AppliedAt] DEFAULT SYSUTCDATETIME()
);`;
}

export function appliedMigrationsSql(migrationsTable: string): string {
  return `SELECT Id AS [Id] FROM ${migrationsTable};`;
}

export function recordMigrationSql(migrationsTable: string): string {
  return `INSERT INTO ${migrationsTable} (Id) VALUES (@id);`;
}
