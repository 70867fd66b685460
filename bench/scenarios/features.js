'use strict';
/**
 * Scenario: what the flow-control features cost when used, as drain rates next to the same run's
 * baseline (tqw non-transactional, nothing in use): a paused other type (the claim's pause filter
 * holds one type), tenant limits set but never reached (every claim is a limited claim), and
 * priorities on every message. Unused, the features add nothing to the baseline's statements: the
 * drain and latency scenarios measure that path. PostgreSQL only.
 */
const { measurement } = require('../lib/measurement');
const { drainSeries, verificationNote } = require('./drain-series');
const { TQW_FEATURE_LABELS, selected, subject } = require('./subjects');

function subjects(ctx) {
  return selected(
    ctx,
    TQW_FEATURE_LABELS.map((label) => subject(label)),
  );
}

module.exports = {
  id: 'features',
  title: 'Features in use: drain rate against the baseline',
  describe: (s) =>
    `${s.drainMessages.toLocaleString('en-US')} no-op messages in one queue, concurrency ${s.concurrency}, non-transactional handlers; one feature in use per subject`,
  steps: (ctx) => subjects(ctx).length * (ctx.options.runs + 1),
  async run(ctx) {
    const { sizes } = ctx.options;
    const out = [];
    for (const s of subjects(ctx)) {
      const results = await drainSeries(ctx, s, {
        schemas: ['features'],
        perTenant: sizes.drainMessages,
        timeLimitMs: sizes.drainTimeLimitS * 1000,
        warmUp: true,
        step: 'features',
      });
      out.push(
        measurement({
          scenario: 'features',
          subject: s.label,
          metric: 'drain rate',
          unit: 'msg/s',
          values: results.map((r) => r.ratePerS),
          note: verificationNote(results) || undefined,
          details: { settings: s.settings, runs: results },
        }),
      );
    }
    return out;
  },
};
