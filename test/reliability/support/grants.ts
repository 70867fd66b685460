/**
 * The least-privilege worker role of a PostgreSQL server and its GRANTs (grants/worker-grants.postgres.sql,
 * the single source the tests run and docs/reliability.md shows).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PgServer } from './pg-servers';
import { query, quoteIdent, withClient } from './sql';

export const WORKER_GRANTS_FILE = join(__dirname, 'grants', 'worker-grants.postgres.sql');

export interface WorkerRole {
  readonly server: PgServer;
  readonly name: string;
  /** A secret: scanned for in every output of the run. */
  readonly password: string;
}

/** A LOGIN role with no other attribute, unique on the server (roles are server-wide). */
export async function createWorkerRole(server: PgServer): Promise<WorkerRole> {
  const name = `tqw_worker_${randomBytes(4).toString('hex')}`;
  const password = `wk-${randomBytes(9).toString('hex')}-pw`;
  // CREATE ROLE takes no bind parameters; the password is hex, so quoting it is safe.
  await query(
    server.adminUrl('postgres'),
    `CREATE ROLE ${quoteIdent(name)} LOGIN PASSWORD '${password}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT`,
  );
  return { server, name, password };
}

/** The GRANT script for one tenant database (comments kept, placeholders filled). */
export function workerGrantsSql(database: string, schema: string, role: string): string {
  return readFileSync(WORKER_GRANTS_FILE, 'utf8')
    .replace(/\{\{database\}\}/g, quoteIdent(database))
    .replace(/\{\{schema\}\}/g, quoteIdent(schema))
    .replace(/\{\{role\}\}/g, quoteIdent(role));
}

/** Runs the GRANT script in the tenant database as the administrator. */
export async function grantWorker(adminUrl: string, database: string, schema: string, role: WorkerRole): Promise<void> {
  await query(adminUrl, workerGrantsSql(database, schema, role.name));
}

/** Drops the role; its databases must be dropped first (their grants go with them). */
export async function dropWorkerRole(role: WorkerRole): Promise<void> {
  await withClient(role.server.adminUrl('postgres'), async (c) => {
    await c.query(`DROP ROLE IF EXISTS ${quoteIdent(role.name)}`);
  });
}
