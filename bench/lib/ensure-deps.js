'use strict';
/**
 * Installs the bench's own dependencies (the peers and Node 22) from bench/package-lock.json with
 * `npm ci --prefix bench` when bench/node_modules is missing, so `npm run bench` works on a fresh
 * clone and the main package never depends on the peers.
 */
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const BENCH_DIR = join(__dirname, '..');

function ensureBenchDependencies({ log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const marker = join(BENCH_DIR, 'node_modules', '.package-lock.json');
  if (existsSync(marker)) return false;
  log('bench: installing the bench dependencies (npm ci --prefix bench) ...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const res = spawnSync(npm, ['ci', '--prefix', BENCH_DIR, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
  if (res.status !== 0) {
    throw new Error(
      `npm ci --prefix bench failed (exit ${res.status ?? res.signal}); the peers (graphile-worker, pg-boss) and Node 22 come from bench/package-lock.json`,
    );
  }
  return true;
}

module.exports = { ensureBenchDependencies };
