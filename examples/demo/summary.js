'use strict';
/** The final report, printed after the worker has stopped (so the counts no longer move). */
const { formatCountsTable } = require('./table-format');

/** Most dead-letter reasons listed; the rest are summed up in one line. */
const MAX_REASONS = 6;
/** ErrorMessage is cut here (it is stored whole in the table). */
const MAX_ERROR_LENGTH = 140;

/**
 * @param {object} input
 * @param {Array<{ tenantId: string, sent: number, counts: Record<string, number> }>} input.rows
 * @param {Array<{ type: string, error: string, count: number }>} input.reasons
 * @param {string[] | undefined} input.metricLines  tqw_messages_processed_total lines from /metrics, if read
 * @returns {string[]} lines
 */
function formatSummary({ rows, reasons, metricLines }) {
  const lines = ['', 'Final counts (the worker has stopped):', ...formatCountsTable(rows, { withRate: false }).map((l) => `  ${l}`)];
  if (reasons.length > 0) {
    lines.push('', 'Why messages were dead-lettered (count, type, ErrorMessage):');
    for (const reason of reasons.slice(0, MAX_REASONS)) {
      const error = reason.error.length > MAX_ERROR_LENGTH ? `${reason.error.slice(0, MAX_ERROR_LENGTH - 3)}...` : reason.error;
      lines.push(`  ${String(reason.count).padStart(5)}  ${reason.type.padEnd(15)} ${error}`);
    }
    const rest = reasons.slice(MAX_REASONS).reduce((sum, r) => sum + r.count, 0);
    if (rest > 0) lines.push(`  ${String(rest).padStart(5)}  (other reasons)`);
  }
  if (metricLines && metricLines.length > 0) {
    const sorted = [...metricLines].sort();
    lines.push('', "The worker's own count, from /metrics before it stopped:", ...sorted.map((l) => `  ${l}`));
  }
  return lines;
}

module.exports = { formatSummary };
