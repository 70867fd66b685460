'use strict';
/**
 * Everything that asks the demo to stop: Ctrl-C, q, SIGINT/SIGTERM/SIGHUP, the --duration timer, or
 * the worker exiting by itself. The first request starts the clean shutdown; a second Ctrl-C asks to
 * stop waiting for the worker's drain.
 *
 * On a terminal, stdin is read in raw mode, so Ctrl-C arrives as a key instead of a SIGINT that the
 * terminal would also send to every process of the group: PostgreSQL (it would shut down at once,
 * under the worker's feet). Without a terminal on stdin (pipes, CI, `kill -INT`), SIGINT is handled.
 */
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';

function createStopTriggers({ stdin, onSecond }) {
  let requested;
  let resolveStop;
  const stopped = new Promise((resolve) => (resolveStop = resolve));
  let durationTimer;

  function request(reason) {
    if (requested === undefined) {
      requested = reason;
      resolveStop(reason);
    } else if (reason === 'Ctrl-C' || reason === 'SIGINT') {
      onSecond(reason);
    }
  }

  const onSignal = (signal) => request(signal);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);

  const readsKeys = Boolean(stdin.isTTY && typeof stdin.setRawMode === 'function');
  const onKey = (key) => {
    const text = key.toString('utf8');
    if (text.includes(CTRL_C)) request('Ctrl-C');
    else if (text.includes(CTRL_D) || text.toLowerCase().includes('q')) request('q');
  };
  const restoreTerminal = () => {
    if (readsKeys && stdin.isRaw) stdin.setRawMode(false);
  };
  if (readsKeys) {
    stdin.setRawMode(true);
    stdin.on('data', onKey);
    stdin.resume();
    // Never leave the user's terminal in raw mode, whatever way the process ends.
    process.on('exit', restoreTerminal);
  }

  return {
    /** Resolves with the first reason to stop. */
    stopped,
    get requested() {
      return requested;
    },
    request,
    /** How the user can stop the demo, for the screen. */
    hint: readsKeys ? 'Ctrl-C or q to stop' : 'Ctrl-C (SIGINT) to stop',
    /** Stops by itself after `ms` (the --duration option). */
    stopAfter(ms) {
      durationTimer = setTimeout(() => request('duration'), ms);
    },
    /** Removes the listeners and gives the terminal back (keys are no longer read). */
    dispose() {
      clearTimeout(durationTimer);
      for (const signal of signals) process.off(signal, onSignal);
      if (readsKeys) {
        stdin.off('data', onKey);
        restoreTerminal();
        stdin.pause();
        process.off('exit', restoreTerminal);
      }
    },
  };
}

module.exports = { createStopTriggers };
