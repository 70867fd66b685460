'use strict';
/**
 * Scenario 1: drain N no-op messages from one tenant at concurrency C, for tqw
 * (non-transactional and transactional handlers) and each peer (defaults and fast settings).
 * pg-boss with its defaults fetches one job per worker every 2 s, so it is measured over a short
 * window instead of the whole queue (the note says so). Every other subject first drains the queue
 * once untimed (warm-up), so no subject's figures include the JIT's or the server's cold start.
 */
const { measurement } = require('../lib/measurement');
const { drainSeries, verificationNote } = require('./drain-series');
const { TQW_DRAIN_LABELS, withSqlServer } = require('./subjects');

const LABELS = [...TQW_DRAIN_LABELS, 'graphile-worker defaults', 'graphile-worker fast', 'pg-boss defaults', 'pg-boss fast'];

/**
 * Where a drain's CPU goes, per message: the contender's process (the worker) and every PostgreSQL
 * process on the machine, between the first and the last handler start (bench/contenders/host.js).
 */
function cpuMeasurements(subject, results) {
  const rows = [];
  for (const [side, what] of [
    ['worker', 'worker CPU per message'],
    ['postgres', 'PostgreSQL CPU per message'],
  ]) {
    const values = results.map((r) => r.cpuUsPerMessage?.[side]).filter((v) => typeof v === 'number');
    if (values.length === 0) continue;
    rows.push(measurement({ scenario: 'drain', subject: subject.label, metric: what, unit: 'µs', better: 'lower', values }));
  }
  return rows;
}

function subjects(ctx) {
  return withSqlServer(ctx, LABELS);
}

module.exports = {
  id: 'drain',
  title: 'Drain: one tenant, no-op handlers',
  describe: (s) =>
    `${s.drainMessages.toLocaleString('en-US')} no-op messages in one queue, concurrency ${s.concurrency}; rate = messages / (last handler start - first handler start)`,
  // Each subject's timed runs, plus one untimed warm-up drain per subject drained in full.
  steps: (ctx) => subjects(ctx).reduce((n, subject) => n + ctx.options.runs + (subject.slowDrain ? 0 : 1), 0),
  async run(ctx) {
    const { sizes } = ctx.options;
    const out = [];
    for (const subject of subjects(ctx)) {
      const windowed = Boolean(subject.slowDrain);
      const results = await drainSeries(ctx, subject, {
        schemas: ['drain'],
        perTenant: sizes.drainMessages,
        timeLimitMs: (windowed ? sizes.slowDrainWindowS : sizes.drainTimeLimitS) * 1000,
        warmUp: !windowed,
        step: 'drain',
      });
      const capped = results.filter((r) => r.timedOut).length;
      out.push(
        measurement({
          scenario: 'drain',
          subject: subject.label,
          metric: 'drain rate',
          unit: 'msg/s',
          values: results.map((r) => r.ratePerS),
          note:
            [
              capped
                ? `${windowed ? 'by design measured' : 'hit the time cap:'} over a ${windowed ? sizes.slowDrainWindowS : sizes.drainTimeLimitS} s window (${results.map((r) => r.handled).join('/')} of ${sizes.drainMessages} handled)`
                : undefined,
              verificationNote(results),
            ]
              .filter(Boolean)
              .join('; ') || undefined,
          details: { settings: subject.settings, runs: results },
        }),
        ...cpuMeasurements(subject, results),
      );
    }
    return out;
  },
};
