'use strict';
/** Reads a few series from the worker's Prometheus endpoint, to show that /metrics counts the same work. */

/** The series shown in the final summary (one line per tenant, type and outcome). */
const SERIES = 'tqw_messages_processed_total';

/** @returns {Promise<string[] | undefined>} the series' lines, or undefined if /metrics did not answer */
async function readProcessedSeries(metricsUrl) {
  try {
    const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(2000) });
    if (res.status !== 200) return undefined;
    const text = await res.text();
    return text.split('\n').filter((line) => line.startsWith(`${SERIES}{`) || line.startsWith(`${SERIES} `));
  } catch {
    return undefined;
  }
}

module.exports = { readProcessedSeries };
