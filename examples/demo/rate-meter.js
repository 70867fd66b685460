'use strict';
/** Completed messages per second, per tenant, over a sliding window of recent samples. */
const { performance } = require('node:perf_hooks');

/** A rate over the last few seconds moves smoothly instead of jumping with every poll. */
const DEFAULT_WINDOW_MS = 5000;

function createRateMeter(windowMs = DEFAULT_WINDOW_MS) {
  /** tenant id -> [{ at, value }] oldest first */
  const samples = new Map();
  return {
    /** Records `value` (a counter that only grows) now and returns its rate per second, or undefined at first. */
    sample(key, value, at = performance.now()) {
      const list = samples.get(key) ?? [];
      list.push({ at, value });
      while (list.length > 2 && at - list[1].at >= windowMs) list.shift();
      samples.set(key, list);
      if (list.length < 2) return undefined;
      const first = list[0];
      const seconds = (at - first.at) / 1000;
      return seconds > 0 ? Math.max(0, (value - first.value) / seconds) : undefined;
    },
  };
}

module.exports = { createRateMeter };
