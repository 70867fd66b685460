'use strict';
/**
 * Runs the real `tqw run` daemon (bin/tqw.js) as a child process for the idle-cost scenarios, with a
 * config file and tenants file written the way an operator would, and an IPC channel that the bench's
 * handler (bench/fixtures/handlers/bench-noop.js) reports to. Its pid is what /proc is read for.
 */
const { spawn } = require('node:child_process');
const { writeFileSync, openSync, closeSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { createServer } = require('node:net');
const { sleep } = require('./clock');
const { TQW_NODE_FLAGS } = require('./runtimes');

const REPO_ROOT = join(__dirname, '..', '..');
const { tqwRoot } = require('./tqw-snapshot');
const HANDLERS_DIR = join(__dirname, '..', 'fixtures', 'handlers');
const HOST = '127.0.0.1';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Environment without TQW_* (they would override the config file). */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TQW_')));
}

/**
 * Writes config + tenants into `dir` and starts `tqw run`; resolves once /readyz answers 200.
 * @returns {Promise<{ pid, onHandled: (fn) => void, stop: () => Promise<void>, logFile: string }>}
 */
async function startTqwDaemon({ dir, workerUrl, schemas, concurrency }) {
  const port = await freePort();
  const tenantsFile = join(dir, 'tenants.json');
  writeFileSync(tenantsFile, JSON.stringify(schemas.map((schema) => ({ id: schema, connectionString: workerUrl, schema }))));
  const configFile = join(dir, 'config.json');
  // Defaults for everything the scenario does not fix, so the idle cost is the one a user gets.
  writeFileSync(
    configFile,
    JSON.stringify({
      tenants: { file: tenantsFile, watch: false },
      handlers: { dir: HANDLERS_DIR },
      http: { host: HOST, port },
      worker: { concurrency },
      log: { level: 'warn' },
    }),
  );
  const logFile = join(dir, 'tqw-run.log');
  const fd = openSync(logFile, 'a');
  let child;
  try {
    // With the Node flags the Docker image runs the daemon with (see runtimes.js).
    child = spawn(process.execPath, [...TQW_NODE_FLAGS, join(tqwRoot(), 'bin', 'tqw.js'), 'run', '--config', configFile], {
      cwd: REPO_ROOT,
      env: cleanEnv(),
      stdio: ['ignore', fd, fd, 'ipc'],
    });
  } finally {
    closeSync(fd);
  }
  let exit = null;
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exit = { code, signal }))));
  const listeners = [];
  child.on('message', (msg) => {
    if (msg && msg.type === 'handled') for (const fn of listeners) fn(msg);
  });
  const tail = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n') : '');

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exit) throw new Error(`tqw run exited during start-up (${exit.code ?? exit.signal}):\n${tail()}`);
    try {
      const res = await fetch(`http://${HOST}:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tqw run was not ready within 60 s:\n${tail()}`);
    }
    await sleep(100);
  }

  return {
    pid: child.pid,
    logFile,
    onHandled: (fn) => listeners.push(fn),
    async stop() {
      if (exit) return;
      child.kill('SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(30_000).then(() => true)]);
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

module.exports = { startTqwDaemon };
