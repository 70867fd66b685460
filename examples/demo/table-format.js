'use strict';
/** Formats the per-tenant counts as a fixed-width text table (used live and in the final summary). */
const { STATUSES } = require('./queue-counts');

/** Column headers; numbers are right-aligned under them. */
const COLUMNS = Object.freeze(['Tenant', 'Sent', ...STATUSES, 'Done/s']);

/**
 * @param {ReadonlyArray<{ tenantId: string, sent: number, counts: Record<string, number>, ratePerSecond?: number }>} rows
 * @param {{ withRate: boolean }} options  withRate false leaves out the Done/s column (final summary)
 * @returns {string[]} lines, header first
 */
function formatCountsTable(rows, { withRate }) {
  const columns = withRate ? COLUMNS : COLUMNS.slice(0, -1);
  const cells = rows.map((row) => {
    const values = [row.tenantId, String(row.sent), ...STATUSES.map((s) => String(row.counts[s] ?? 0))];
    if (withRate) values.push(row.ratePerSecond === undefined ? '-' : row.ratePerSecond.toFixed(1));
    return values;
  });
  const widths = columns.map((title, i) => Math.max(title.length, ...cells.map((c) => c[i].length)));
  const line = (values) => values.map((value, i) => (i === 0 ? value.padEnd(widths[i]) : value.padStart(widths[i]))).join('  ');
  return [line(columns), ...cells.map(line)];
}

module.exports = { formatCountsTable, COLUMNS };
