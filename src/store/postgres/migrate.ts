import type { Pool, PoolClient } from 'pg';
import { POSTGRES_MIGRATIONS, type PostgresMigration } from './migrations';
import {
  LOCK_SCHEMA_SQL,
  SCHEMA_EXISTS_SQL,
  TABLE_EXISTS_SQL,
  appliedMigrationsSql,
  createMigrationsTableSql,
  createSchemaSql,
  recordMigrationSql,
} from './migrations/bookkeeping-sql';
import { MIGRATIONS_TABLE, quoteIdent, quoteTable } from './quote-table';

/**
 * Brings one tenant's schema up to date, in one transaction:
 * advisory lock on the schema -> schema -> "QueueMigrations" -> each migration not yet recorded
 * (its DDL, then its record). Two processes migrating the same schema at once queue on the lock;
 * the second finds everything recorded and does nothing. A failure rolls everything back.
 * Returns the ids it applied.
 */
export async function runMigrations(
  pool: Pool,
  schema: string | undefined,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<string[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    try {
      await client.query('BEGIN');
      const applied = await migrateInTransaction(client, schema, migrations);
      await client.query('COMMIT');
      return applied;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => {
        broken = rollbackErr;
      });
      throw err;
    }
  } finally {
    client.release(broken);
  }
}

async function migrateInTransaction(
  client: PoolClient,
  schema: string | undefined,
  migrations: readonly PostgresMigration[],
): Promise<string[]> {
  await client.query(LOCK_SCHEMA_SQL, [`tqw:migrate:${schema ?? ''}`]);

  if (schema !== undefined) {
    const { rows } = await client.query<{ Exists: boolean }>(SCHEMA_EXISTS_SQL, [schema]);
    if (!rows[0]?.Exists) await client.query(createSchemaSql(quoteIdent(schema)));
  }

  const migrationsTable = quoteTable(schema, MIGRATIONS_TABLE);
  const { rows: tableRows } = await client.query<{ Exists: boolean }>(TABLE_EXISTS_SQL, [migrationsTable]);
  if (!tableRows[0]?.Exists) await client.query(createMigrationsTableSql(migrationsTable));

  const { rows: appliedRows } = await client.query<{ Id: string }>(appliedMigrationsSql(migrationsTable));
  const done = new Set(appliedRows.map((r) => r.Id));
  const table = quoteTable(schema);
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.id)) continue;
    for (const statement of migration.statements(table, (name) => quoteTable(schema, name))) await client.query(statement);
    await client.query(recordMigrationSql(migrationsTable), [migration.id]);
    applied.push(migration.id);
  }
  return applied;
}
