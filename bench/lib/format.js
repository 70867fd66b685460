'use strict';
/** Number formatting shared by the console table and the Markdown report. */

/** 48,213 / 1,234 / 98.7 / 4.12 / 0.0312 — integers from 100 up, three significant digits below. */
function formatNumber(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs === 0) return '0';
  return Number(value.toPrecision(3)).toString();
}

function formatRatio(value) {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : `${value.toFixed(2)}x`;
}

module.exports = { formatNumber, formatRatio };
