'use strict';
/**
 * Which Node runs which contender. tqw runs on the Node that runs the harness (the project's runtime,
 * Node >= 20.11). graphile-worker 0.18 and pg-boss 12 need Node >= 22, so they run under the Node 22
 * binary of the bench's `node` dependency (bench/node_modules/node/bin/node).
 */
const { existsSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

const BENCH_DIR = join(__dirname, '..');

/**
 * Node flags tqw runs with, exactly as the Docker image's ENTRYPOINT runs the daemon (Dockerfile:
 * a larger young generation, no pretenuring; test/deploy/dockerfile.test.ts checks that the two agree). The peers
 * run with Node's defaults, as their documentation leaves them.
 */
const TQW_NODE_FLAGS = ['--max-semi-space-size=32', '--no-allocation-site-pretenuring'];
const NODE22 = join(BENCH_DIR, 'node_modules', 'node', 'bin', 'node');

function versionOf(binary) {
  return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
}

/** @returns {{ tqw: { execPath, version, execArgv }, peers: { execPath, version, execArgv } }} */
function resolveRuntimes() {
  if (!existsSync(NODE22)) {
    throw new Error(
      `the Node 22 binary for the peers is missing (${NODE22}): run \`npm ci --prefix bench\` (npm run bench does it when bench/node_modules is missing)`,
    );
  }
  const peersVersion = versionOf(NODE22);
  const major = Number(/^v(\d+)/.exec(peersVersion)?.[1]);
  if (!(major >= 22)) throw new Error(`${NODE22} is ${peersVersion}; graphile-worker 0.18 and pg-boss 12 need Node >= 22`);
  return {
    tqw: {
      ...(process.env.BENCH_TQW_ON_PEERS_NODE
        ? { execPath: NODE22, version: peersVersion }
        : { execPath: process.execPath, version: process.version }),
      execArgv: TQW_NODE_FLAGS,
    },
    peers: { execPath: NODE22, version: peersVersion, execArgv: [] },
  };
}

module.exports = { resolveRuntimes, BENCH_DIR, TQW_NODE_FLAGS };
