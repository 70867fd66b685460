'use strict';
/**
 * Runs the real `tqw` command line as child processes, exactly as a user would:
 * `node bin/tqw.js migrate --config FILE` and the daemon `node bin/tqw.js run --config FILE`.
 */
const { spawn } = require('node:child_process');
const { openSync, closeSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

const REPO_ROOT = join(__dirname, '..', '..');
const TQW_BIN = join(REPO_ROOT, 'bin', 'tqw.js');

/**
 * The environment for tqw: this process's environment without TQW_* variables (they override the
 * config file, and the demo's printed URLs and timings must be the ones in its config file), plus `extra`.
 */
function tqwEnv(extra) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('TQW_')) env[key] = value;
  }
  return { ...env, ...extra };
}

/** `tqw migrate`: creates QueueMessages and its indexes in every tenant. Rejects with tqw's output on failure. */
function runMigrate({ configFile, env }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TQW_BIN, 'migrate', '--config', configFile], { cwd: REPO_ROOT, env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`tqw migrate failed (exit ${code ?? signal}):\n${output.trim()}`));
    });
  });
}

/** Longest log line shown on the screen (JSON log lines with stacks are long; the file keeps them whole). */
const MAX_TAIL_LINE = 400;

/** The last `lines` lines of a file ('' if it does not exist): shown when the worker fails. */
function tailOf(file, lines = 8) {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => (line.length > MAX_TAIL_LINE ? `${line.slice(0, MAX_TAIL_LINE)}...` : line))
    .join('\n');
}

/**
 * Starts `tqw run` with its stdout (JSON log lines) and stderr appended to `logFile`.
 * @returns {{ pid: number, exited: Promise<{ code: number | null, signal: string | null }>, stop: (timeoutMs: number) => Promise<{ code: number | null, signal: string | null, timedOut: boolean }>, kill: () => void }}
 */
function startWorker({ configFile, env, logFile }) {
  const fd = openSync(logFile, 'a');
  let child;
  try {
    child = spawn(process.execPath, [TQW_BIN, 'run', '--config', configFile], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', fd, fd],
      // Its own process group: a Ctrl-C typed in the terminal then reaches only the demo, which sends
      // the worker exactly one SIGTERM (a second one would only be logged: tqw drains to its deadline).
      detached: true,
    });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(fd);
  }

  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (err) => resolve({ code: null, signal: null, error: err }));
  });

  // Safety net: if the demo exits by an unexpected path, it does not leave the worker running.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));

  /** SIGTERM (graceful drain), then SIGKILL if it has not exited within `timeoutMs`. */
  async function stop(timeoutMs) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = sleep(timeoutMs, 'timeout', { ref: false });
    const first = await Promise.race([exited, timer]);
    if (first !== 'timeout') return { ...first, timedOut: false };
    child.kill('SIGKILL');
    return { ...(await exited), timedOut: true };
  }

  /** Ends the worker at once, without its drain (a second Ctrl-C). */
  function kill() {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  return { pid: child.pid, exited, stop, kill };
}

/**
 * Polls GET /readyz until it answers 200 (config, tenants and handlers loaded, poll loop running).
 * Rejects if the worker exits first (a config error exits 78) or after `timeoutMs`.
 */
async function waitUntilReady({ readyUrl, exited, timeoutMs }) {
  let exitInfo;
  void exited.then((info) => (exitInfo = info));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitInfo) throw new Error(`tqw run exited during start-up (exit ${exitInfo.code ?? exitInfo.signal})`);
    try {
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`tqw run was not ready within ${timeoutMs / 1000} s (${readyUrl} did not answer 200)`);
}

module.exports = { REPO_ROOT, TQW_BIN, tqwEnv, runMigrate, startWorker, waitUntilReady, tailOf };
