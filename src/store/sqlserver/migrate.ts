import mssql from 'mssql';
import { rollbackQuietly, DEFAULT_REQUEST_TIMEOUT_MS } from './claim-transaction';
import { SQLSERVER_MIGRATIONS, type SqlServerMigration } from './migrations';
import {
  CREATE_SCHEMA_SQL,
  LOCK_MIGRATIONS_SQL,
  appliedMigrationsSql,
  createMigrationsTableSql,
  recordMigrationSql,
} from './migrations/bookkeeping-sql';
import { column } from './row-mapper';
import { MIGRATIONS_TABLE, quoteTable } from './quote-table';

export interface MigrateOptions {
  /** How long to wait for another process migrating the same schema. Default 120000 (2 min). */
  lockTimeoutMs: number;
  /** Request timeout of the pool, bounding a rollback's wait. Default 15000 (mssql's). */
  requestTimeoutMs: number;
}

export const DEFAULT_MIGRATE_OPTIONS: Readonly<MigrateOptions> = Object.freeze({
  lockTimeoutMs: 120_000,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
});

/**
 * Brings one tenant's schema up to date, in one transaction:
 * app lock on the schema -> schema -> [QueueMigrations] -> each migration not yet recorded (its
 * DDL batches, then its record). Two processes migrating the same schema at once queue on the
 * lock; the second finds everything recorded and does nothing. DDL is transactional on SQL Server,
 * so a failure rolls everything back, the lock included. Returns the ids it applied.
 */
export async function runMigrations(
  pool: mssql.ConnectionPool,
  schema: string | undefined,
  migrations: readonly SqlServerMigration[] = SQLSERVER_MIGRATIONS,
  options: MigrateOptions = DEFAULT_MIGRATE_OPTIONS,
): Promise<string[]> {
  const transaction = new mssql.Transaction(pool);
  await transaction.begin(mssql.ISOLATION_LEVEL.READ_COMMITTED);
  try {
    const applied = await migrateInTransaction(transaction, schema, migrations, options);
    await transaction.commit();
    return applied;
  } catch (err) {
    await rollbackQuietly(transaction, options.requestTimeoutMs);
    throw err;
  }
}

async function migrateInTransaction(
  transaction: mssql.Transaction,
  schema: string | undefined,
  migrations: readonly SqlServerMigration[],
  options: MigrateOptions,
): Promise<string[]> {
  const resource = `tqw:migrate:${schema ?? ''}`;
  const lock = await transaction
    .request()
    .input('resource', mssql.NVarChar(255), resource)
    .input('timeoutMs', mssql.Int, options.lockTimeoutMs)
    .query(LOCK_MIGRATIONS_SQL);
  const code = Number(lock.recordset[0] ? column(lock.recordset[0], 'Result') : Number.NaN);
  if (!(code >= 0)) {
    throw new Error(
      `could not take the migration lock '${resource}' (sp_getapplock returned ${code}: ` +
        `${code === -1 ? `timed out after ${options.lockTimeoutMs} ms; another tqw migrate may still be running` : 'refused'})`,
    );
  }

  const table = quoteTable(schema);
  if (schema !== undefined) {
    await transaction
      .request()
      .input('schema', mssql.NVarChar(128), schema)
      .input('queueTable', mssql.NVarChar(300), table)
      .query(CREATE_SCHEMA_SQL);
  }

  const migrationsTable = quoteTable(schema, MIGRATIONS_TABLE);
  await transaction.request().query(createMigrationsTableSql(migrationsTable));
  const { recordset } = await transaction.request().query(appliedMigrationsSql(migrationsTable));
  const done = new Set(recordset.map((row: Record<string, unknown>) => String(column(row, 'Id'))));

  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.id)) continue;
    for (const statement of migration.statements(table, (name) => quoteTable(schema, name))) await transaction.request().query(statement);
    await transaction.request().input('id', mssql.NVarChar(200), migration.id).query(recordMigrationSql(migrationsTable));
    applied.push(migration.id);
  }
  return applied;
}
