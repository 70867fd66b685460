'use strict';
/**
 * Parent side of a contender process: forks bench/contenders/host.js under the contender's Node and
 * sends it commands over IPC ({ id, cmd, args } -> { id, ok, result | error }). One process per
 * contender variant and scenario, so no state (pools, timers, JIT warm-up) leaks between contenders.
 */
const { fork } = require('node:child_process');
const { join } = require('node:path');

const HOST = join(__dirname, '..', 'contenders', 'host.js');
const STDERR_TAIL = 4000;

/**
 * @param {object} o
 * @param {string} o.contender  'tqw' | 'graphile-worker' | 'pg-boss'
 * @param {string} o.execPath   the Node binary to run it with
 * @param {string[]} [o.execArgv] Node flags for it (the runtime's: bench/lib/runtimes.js)
 * @returns {{ pid: number, request: (cmd: string, args?: object) => Promise<any>, close: () => Promise<void> }}
 */
function startContender({ contender, execPath, execArgv = [] }) {
  const child = fork(HOST, [contender], {
    execPath,
    // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": profile the contenders (see bench/README.md).
    execArgv: [...execArgv, ...(process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  let nextId = 1;
  const pending = new Map();
  let exited = null;
  child.on('message', (msg) => {
    const waiter = pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.ok) waiter.resolve(msg.result);
    else waiter.reject(new Error(`${contender}: ${msg.error}`));
  });
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    for (const waiter of pending.values()) {
      waiter.reject(new Error(`${contender} process exited (${code ?? signal}) during a command; its stderr:\n${stderr.trim()}`));
    }
    pending.clear();
  });

  function request(cmd, args = {}) {
    if (exited) return Promise.reject(new Error(`${contender} process has exited (${exited.code ?? exited.signal}): ${stderr.trim()}`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ id, cmd, args });
    });
  }

  async function close() {
    if (exited) return;
    const gone = new Promise((r) => child.once('exit', r));
    await request('close').catch(() => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }

  return { pid: child.pid, request, close };
}

/** Starts a contender, runs `fn` with it, and always closes it. */
async function withContender(options, fn) {
  const proc = startContender(options);
  try {
    return await fn(proc);
  } finally {
    await proc.close();
  }
}

module.exports = { startContender, withContender };
