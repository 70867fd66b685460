'use strict';
/**
 * The progress bar on stderr. On a terminal one line is redrawn in place (and its clock ticks every
 * second); otherwise (a pipe, a CI log) one plain line is printed per step as it starts.
 */
const { formatDuration } = require('./clock');

const WIDTH = 24;

function createProgress({ total, out = process.stderr, tty = Boolean(out.isTTY) }) {
  const startedAt = Date.now();
  let done = 0;
  let label = '';
  let stepStartedAt = startedAt;
  let ticker;

  function line() {
    const fraction = total ? Math.min(1, done / total) : 1;
    const filled = Math.round(fraction * WIDTH);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}`;
    const pct = `${Math.round(fraction * 100)}%`.padStart(4);
    return `[${bar}] ${pct} ${done}/${total} ${formatDuration(Date.now() - startedAt).padStart(6)}  ${label}`;
  }

  function draw() {
    const text = line();
    const width = (out.columns || 120) - 1;
    out.write(`\r\x1b[2K${text.length > width ? text.slice(0, width) : text}`);
  }

  return {
    /** A step starts (one measured run, or a preparation). */
    begin(stepLabel) {
      label = stepLabel;
      stepStartedAt = Date.now();
      if (tty) {
        draw();
        if (!ticker) {
          ticker = setInterval(draw, 1000);
          ticker.unref();
        }
      } else {
        out.write(`${line()}\n`);
      }
    },
    /** The current step finished. */
    end() {
      done += 1;
      if (tty) draw();
      return Date.now() - stepStartedAt;
    },
    /** A message above the bar (e.g. a warning). */
    log(message) {
      if (tty) out.write(`\r\x1b[2K${message}\n`);
      else out.write(`${message}\n`);
      if (tty && label) draw();
    },
    close() {
      if (ticker) clearInterval(ticker);
      ticker = undefined;
      if (tty) out.write(`\r\x1b[2K${line().replace(/ {2}.*$/, '  done')}\n`);
    },
  };
}

module.exports = { createProgress };
