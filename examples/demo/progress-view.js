'use strict';
/**
 * The live progress view. On a terminal it redraws one block in place every second (ANSI cursor
 * movement); when stdout is not a terminal (a pipe, a CI log) it prints one plain line per tenant
 * per update instead, so the output stays readable as a log.
 */
const { formatCountsTable } = require('./table-format');
const { STATUSES } = require('./queue-counts');

const ANSI = Object.freeze({
  hideCursor: '\x1b[?25l',
  showCursor: '\x1b[?25h',
  up: (n) => `\x1b[${n}A`,
  clearToEnd: '\x1b[0J',
  bold: (text) => `\x1b[1m${text}\x1b[22m`,
  dim: (text) => `\x1b[2m${text}\x1b[22m`,
});

function formatElapsed(ms) {
  const total = Math.floor(ms / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return minutes > 0 ? `${minutes}m${String(seconds).padStart(2, '0')}s` : `${seconds}s`;
}

/**
 * @param {object} options
 * @param {NodeJS.WriteStream} options.out  usually process.stdout
 * @param {boolean} options.tty             redraw in place (true) or print plain lines (false)
 * @param {string} options.stopHint         e.g. 'Ctrl-C or q to stop'
 */
function createProgressView({ out, tty, stopHint }) {
  let drawnLines = 0;
  if (tty) out.write(ANSI.hideCursor);

  /**
   * @param {number} elapsedMs
   * @param {Array<{ tenantId: string, sent: number, counts: Record<string, number>, ratePerSecond?: number }>} rows
   * @param {{ errors: number, lastError?: string }} producer
   */
  function update(elapsedMs, rows, producer) {
    if (!tty) {
      const stamp = `[${formatElapsed(elapsedMs).padStart(6)}]`;
      for (const row of rows) {
        const counts = STATUSES.map((s) => `${s}=${row.counts[s] ?? 0}`).join(' ');
        const rate = row.ratePerSecond === undefined ? '-' : row.ratePerSecond.toFixed(1);
        out.write(`${stamp} ${row.tenantId} Sent=${row.sent} ${counts} Done/s=${rate}\n`);
      }
      if (producer.errors > 0) out.write(`${stamp} producer errors: ${producer.errors} (last: ${producer.lastError})\n`);
      return;
    }
    const width = out.columns || 120;
    const lines = [
      ANSI.bold(`Queue per tenant after ${formatElapsed(elapsedMs)}`),
      ...formatCountsTable(rows, { withRate: true }),
      ...(producer.errors > 0 ? [`producer errors: ${producer.errors} (last: ${producer.lastError})`] : []),
      ANSI.dim(stopHint),
    ].map((line) => (line.length > width ? line.slice(0, width - 1) : line));
    const moveBack = drawnLines > 0 ? ANSI.up(drawnLines) : '';
    out.write(`${moveBack}\r${ANSI.clearToEnd}${lines.join('\n')}\n`);
    drawnLines = lines.length;
  }

  /** Leaves the last block on screen and gives the cursor back. */
  function close() {
    if (tty) out.write(ANSI.showCursor);
  }

  return { update, close };
}

module.exports = { createProgressView, formatElapsed };
