'use strict';
/**
 * Timing helpers shared by the parent and the contender processes.
 * `wallMs()` is wall-clock time with sub-millisecond resolution (performance.timeOrigin is taken from
 * the system clock when the process starts, and performance.now() is monotonic after that), so two
 * processes on this machine can compare their stamps: the producer's insert time in one process and
 * the handler's start time in another.
 */
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');

function wallMs() {
  return performance.timeOrigin + performance.now();
}

/** A uniformly random delay within [minMs, maxMs]. */
function jitter(minMs, maxMs) {
  return minMs + Math.random() * (maxMs - minMs);
}

/** Polls `probe` until it returns a truthy value; rejects after `timeoutMs` naming `what`. */
async function waitUntil(probe, { timeoutMs, intervalMs = 20, what }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** "1m05s" / "12.3s" for progress lines. */
function formatDuration(ms) {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

module.exports = { wallMs, jitter, sleep, waitUntil, formatDuration };
