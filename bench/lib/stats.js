'use strict';
/**
 * Statistics of the harness: the figures every table and report uses, in one place.
 * Pure functions over arrays of numbers; no I/O.
 */

/** Sorted copy, ascending, of the finite numbers in `values`. */
function sorted(values) {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/**
 * The p-th percentile (0..100) by linear interpolation between closest ranks (the method of
 * numpy's default and of most load tools), or null for no values.
 */
function percentile(values, p) {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const s = sorted(values);
  if (s.length === 0) return null;
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

function median(values) {
  return percentile(values, 50);
}

function mean(values) {
  const s = sorted(values);
  return s.length === 0 ? null : s.reduce((sum, v) => sum + v, 0) / s.length;
}

/** { n, median, min, max } of a series (the runs of one measurement); nulls when empty. */
function summarize(values) {
  const s = sorted(values);
  return {
    n: s.length,
    median: median(s),
    min: s.length ? s[0] : null,
    max: s.length ? s[s.length - 1] : null,
  };
}

/** p50 / p95 / p99 / max of latency samples. */
function latencyPercentiles(samples) {
  return {
    n: sorted(samples).length,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
    max: percentile(samples, 100),
  };
}

/** a / b, or null when either is missing or b is 0. */
function ratio(a, b) {
  if (a == null || b == null || b === 0) return null;
  return a / b;
}

/**
 * Fairness of a multi-tenant drain: each tenant's finish time against the median tenant's.
 * `finishMs` maps tenant -> ms from the start of the drain to its last message.
 * Returns { tenants, medianMs, fastestMs, slowestMs, slowestVsMedian, fastestVsMedian }.
 */
function spread(finishMs) {
  const times = Object.values(finishMs);
  const med = median(times);
  const s = sorted(times);
  return {
    tenants: s.length,
    medianMs: med,
    fastestMs: s.length ? s[0] : null,
    slowestMs: s.length ? s[s.length - 1] : null,
    slowestVsMedian: s.length ? ratio(s[s.length - 1], med) : null,
    fastestVsMedian: s.length ? ratio(s[0], med) : null,
  };
}

module.exports = { percentile, median, mean, summarize, latencyPercentiles, ratio, spread };
