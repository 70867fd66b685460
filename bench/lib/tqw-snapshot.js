'use strict';
/**
 * Freezes the tqw build a run measures: copies dist/, bin/ and package.json into bench/.snapshot/tqw
 * and points every tqw process of the run at it (TQW_BENCH_ROOT, inherited by the children). Without
 * this, a rebuild of dist/ during a long run (another terminal running `npm test`) would mix two
 * versions of tqw in one report. The copy sits inside the repository so its `require`s still find
 * the repository's node_modules.
 */
const { cpSync, rmSync, mkdirSync, readFileSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

const REPO_ROOT = join(__dirname, '..', '..');
const SNAPSHOT = join(__dirname, '..', '.snapshot', 'tqw');

/** The root (holding dist/ and bin/) that tqw code of this process and its children loads from. */
function tqwRoot() {
  return process.env.TQW_BENCH_ROOT || REPO_ROOT;
}

function git(args) {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Copies the current build and sets TQW_BENCH_ROOT. Returns what was frozen, for the report. */
function snapshotTqw() {
  rmSync(SNAPSHOT, { recursive: true, force: true });
  mkdirSync(SNAPSHOT, { recursive: true });
  for (const part of ['dist', 'bin', 'package.json']) cpSync(join(REPO_ROOT, part), join(SNAPSHOT, part), { recursive: true });
  process.env.TQW_BENCH_ROOT = SNAPSHOT;
  const { version } = JSON.parse(readFileSync(join(SNAPSHOT, 'package.json'), 'utf8'));
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const changed = git(['status', '--porcelain', '--', 'src']);
  return { version, commit, uncommittedSrcChanges: changed === null ? null : changed.split('\n').filter(Boolean).length };
}

module.exports = { snapshotTqw, tqwRoot };
