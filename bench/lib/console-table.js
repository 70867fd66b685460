'use strict';
/** The table printed at the end of a run: one line per measurement, median / min / max of the runs. */
const { formatNumber, formatRatio } = require('./format');

function pad(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i >= 3 && i <= 5 ? String(cell).padStart(widths[i]) : String(cell).padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

function renderTable(measurements) {
  const header = ['scenario', 'subject', 'metric', 'median', 'min', 'max', 'unit', 'runs', 'note'];
  const rows = measurements.map((m) => [
    m.scenario,
    m.subject,
    m.metric,
    formatNumber(m.summary.median),
    formatNumber(m.summary.min),
    formatNumber(m.summary.max),
    m.unit,
    m.summary.n,
    m.note ?? '',
  ]);
  const lines = pad([header, ...rows]);
  lines.splice(1, 0, '-'.repeat(Math.min(160, lines[0].length)));
  return lines.join('\n');
}

function renderTargets(targets, ratios) {
  const lines = ['', 'Targets:'];
  for (const t of targets) {
    const value = t.value === null ? '-' : `${formatNumber(t.value)} ${t.unit}`;
    lines.push(`  [${t.status.padEnd(12)}] ${t.text}: ${value}${t.caveat ? ` (${t.caveat})` : ''}`);
  }
  if (ratios.length) {
    lines.push('', 'tqw vs peers (medians; > 1.00x means tqw is better):');
    for (const r of ratios) lines.push(`  ${r.metric.padEnd(10)} ${r.tqw.padEnd(22)} vs ${r.peer.padEnd(24)} ${formatRatio(r.ratio)}`);
  }
  return lines.join('\n');
}

module.exports = { renderTable, renderTargets };
