/**
 * Statements of the migration runner itself (not of the queue). `$1` placeholders are bind
 * parameters; table names come from quoteTable().
 */

/**
 * Serialises migrations of one schema across processes: a transaction-level advisory lock keyed by
 * a 64-bit hash of the schema name, released automatically at COMMIT/ROLLBACK (also when the
 * process dies). Other schemas of the same database migrate in parallel.
 */
export const LOCK_SCHEMA_SQL = `SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))`;

/**
 * Existence checks before CREATE SCHEMA / CREATE TABLE: PostgreSQL checks the CREATE privilege
 * before IF NOT EXISTS, so a least-privilege role could not even run "CREATE ... IF NOT EXISTS" on
 * objects that exist. Checking first lets such a role run `migrate` on an up-to-date schema.
 */
export const SCHEMA_EXISTS_SQL = `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1::text) AS "Exists"`;
export const TABLE_EXISTS_SQL = `SELECT to_regclass($1::text) IS NOT NULL AS "Exists"`;

export function createSchemaSql(quotedSchema: string): string {
  return `CREATE SCHEMA IF NOT EXISTS ${quotedSchema}`;
}

/** Applied migration ids, one row each; small and only read by the runner. */
export function createMigrationsTableSql(migrationsTable: string): string {
  return `CREATE TABLE IF NOT EXISTS ${migrationsTable} (
  "Id" varchar(200) NOT NULL,
  "AppliedAt" timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT "PK_QueueMigrations" PRIMARY KEY ("Id")
)`;
}

export function appliedMigrationsSql(migrationsTable: string): string {
  return `SELECT "Id" FROM ${migrationsTable}`;
}

export function recordMigrationSql(migrationsTable: string): string {
  return `INSERT INTO ${migrationsTable} ("Id") VALUES ($1::varchar)`;
}
