/**
 * One PostgreSQL tenant of a scenario: its own database (optionally a schema in it) on a given server,
 * migrated by an administrator with `tqw migrate`, the handler's "ReliabilityEffects" table created by
 * the administrator, and the worker role granted exactly what grants/worker-grants.postgres.sql says.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runCli, tempDir, writeJson } from '../../support/processes';
import { grantWorker, type WorkerRole } from './grants';
import type { PgServer } from './pg-servers';
import { query, quoteIdent } from './sql';

export interface TenantDb {
  readonly id: string;
  readonly server: PgServer;
  readonly database: string;
  readonly schema: string | undefined;
  /** Quoted, schema-qualified when the tenant has a schema. */
  readonly queueTable: string;
  readonly effectsTable: string;
  /** The administrator's URL of the tenant database (migrate, seeding, checks). */
  readonly adminUrl: string;
  /** The worker role's URL of the tenant database (what the tenants file gives `tqw run`). */
  readonly workerUrl: string;
}

export interface TenantSpec {
  id: string;
  server: PgServer;
  schema?: string;
}

export async function createTenantDb(spec: TenantSpec, scenario: string, role: WorkerRole): Promise<TenantDb> {
  const database = `rel_${scenario}_${spec.id}_${randomBytes(3).toString('hex')}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  await query(spec.server.adminUrl('postgres'), `CREATE DATABASE ${quoteIdent(database)}`);
  const qualify = (table: string) => (spec.schema ? `${quoteIdent(spec.schema)}.${quoteIdent(table)}` : quoteIdent(table));
  return {
    id: spec.id,
    server: spec.server,
    database,
    schema: spec.schema,
    queueTable: qualify('QueueMessages'),
    effectsTable: qualify('ReliabilityEffects'),
    adminUrl: spec.server.adminUrl(database),
    workerUrl: spec.server.urlAs(database, role.name, role.password),
  };
}

/**
 * `tqw migrate` as the administrator (a tenants file with the superuser URLs), then the handler table
 * and the worker's GRANTs. Returns the CLI's output (scanned for secrets by the caller).
 */
export async function prepareTenants(tenants: readonly TenantDb[], role: (t: TenantDb) => WorkerRole): Promise<string> {
  const dir = tempDir('rel-admin');
  const tenantsFile = writeJson(
    join(dir, 'tenants.admin.json'),
    tenants.map((t) => ({ id: t.id, connectionString: t.adminUrl, ...(t.schema ? { schema: t.schema } : {}) })),
  );
  const configFile = writeJson(join(dir, 'config.admin.json'), { tenants: { file: tenantsFile } });
  const migrate = await runCli(['migrate', '--config', configFile], { TQW_CONFIG: '' });
  if (migrate.code !== 0) throw new Error(`tqw migrate (admin) failed with ${migrate.code}: ${migrate.stderr}${migrate.stdout}`);
  for (const t of tenants) {
    await createEffectsTable(t);
    await grantWorker(t.adminUrl, t.database, t.schema ?? 'public', role(t));
  }
  return migrate.stdout + migrate.stderr;
}

/** The RecordTx handler's table (created by the administrator, like any application table). */
async function createEffectsTable(t: TenantDb): Promise<void> {
  await query(
    t.adminUrl,
    `CREATE TABLE ${t.effectsTable} (
  "MessageId" uuid PRIMARY KEY,   -- a second application of the same message cannot be stored
  "TenantId" varchar(50) NOT NULL,
  "Pid" integer NOT NULL,         -- the worker process whose transaction committed it
  "Attempt" integer NOT NULL,
  "PayloadBytes" integer NOT NULL,
  "At" timestamptz NOT NULL DEFAULT clock_timestamp()
)`,
  );
}

export async function dropTenantDb(t: TenantDb): Promise<void> {
  await query(t.server.adminUrl('postgres'), `DROP DATABASE IF EXISTS ${quoteIdent(t.database)} WITH (FORCE)`);
}
