'use strict';
/**
 * The bench's database on the run's server: created fresh for each harness run, with a `bench_worker`
 * role that every worker (tqw and the peers) connects as, so the statements a worker sends can be
 * told apart from the harness's own (seeding, counting) in pg_stat_statements.
 */
const { Client } = require('pg');

const DATABASE = 'tqw_bench';
const WORKER_ROLE = 'bench_worker';
const WORKER_PASSWORD = 'bench-worker-pw';

function urlFor(adminUrl, { database, user, password } = {}) {
  const url = new URL(adminUrl);
  if (database) url.pathname = `/${database}`;
  if (user) {
    url.username = user;
    url.password = password ?? '';
  }
  return url.toString();
}

async function withClient(url, fn) {
  const client = new Client({ connectionString: url, application_name: 'tqw-bench' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Schema of tenant number i (1-based): t0001 ... t1000. */
function tenantSchema(i) {
  return `t${String(i).padStart(4, '0')}`;
}

/**
 * Drops and recreates the bench database (default `tqw_bench`) and the worker role.
 * @returns {{ adminUrl: string, workerUrl: string, database: string, workerRole: string }}
 */
async function createBenchDatabase(serverAdminUrl, { database = DATABASE } = {}) {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`bench database name '${database}' must be a lower-case identifier`);
  await withClient(serverAdminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${database}`);
    const { rows } = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [WORKER_ROLE]);
    // Superuser: graphile-worker and pg-boss create their schemas, extensions and functions on start.
    if (rows.length === 0) await c.query(`CREATE ROLE ${WORKER_ROLE} LOGIN SUPERUSER PASSWORD '${WORKER_PASSWORD}'`);
  });
  const adminUrl = urlFor(serverAdminUrl, { database });
  return {
    database,
    workerRole: WORKER_ROLE,
    adminUrl,
    workerUrl: urlFor(serverAdminUrl, { database, user: WORKER_ROLE, password: WORKER_PASSWORD }),
  };
}

async function dropBenchDatabase(serverAdminUrl, database = DATABASE) {
  await withClient(serverAdminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
}

/** Server facts for the report: version and the settings that move the figures. */
async function serverFacts(adminUrl) {
  return withClient(adminUrl, async (c) => {
    const {
      rows: [v],
    } = await c.query('SHOW server_version');
    const names = ['fsync', 'synchronous_commit', 'shared_buffers', 'max_connections', 'shared_preload_libraries'];
    const { rows } = await c.query('SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)', [names]);
    const settings = Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} (${r.unit})` : r.setting]));
    return { version: v.server_version, settings };
  });
}

module.exports = { createBenchDatabase, dropBenchDatabase, serverFacts, tenantSchema, withClient, urlFor, WORKER_ROLE };
