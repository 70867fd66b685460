'use strict';
/**
 * Scenario 2: T tenant schemas x M messages drained by one tqw worker: the total rate and
 * the fairness between tenants (each tenant's finish time against the median tenant's).
 * The peers have no tenants, so this scenario measures tqw only.
 */
const { measurement } = require('../lib/measurement');
const { spread } = require('../lib/stats');
const { tenantSchema } = require('../lib/bench-database');
const { drainSeries, verificationNote } = require('./drain-series');
const { withSqlServer } = require('./subjects');

const LABELS = ['tqw non-transactional'];

function subjects(ctx) {
  return withSqlServer(ctx, LABELS);
}

module.exports = {
  id: 'many-tenants',
  title: 'Many tenants: fairness',
  describe: (s) =>
    `${s.manyTenants} tenant schemas x ${s.manyTenantsMessages} messages, one worker, concurrency ${s.concurrency}; spread = slowest (fastest) tenant's finish time / the median tenant's`,
  steps: (ctx) => subjects(ctx).length * ctx.options.runs,
  async run(ctx) {
    const { sizes } = ctx.options;
    const schemas = Array.from({ length: sizes.manyTenants }, (_, i) => tenantSchema(i + 1));
    const out = [];
    for (const subject of subjects(ctx)) {
      const results = await drainSeries(ctx, subject, {
        schemas,
        perTenant: sizes.manyTenantsMessages,
        timeLimitMs: sizes.drainTimeLimitS * 1000,
        trackTenants: true,
        step: 'many tenants',
      });
      const spreads = results.map((r) => spread(r.tenantFinishMs ?? {}));
      const base = { scenario: 'many-tenants', subject: subject.label };
      out.push(
        measurement({
          ...base,
          metric: 'total drain rate',
          unit: 'msg/s',
          values: results.map((r) => r.ratePerS),
          note: verificationNote(results),
          details: { settings: subject.settings, runs: results.map(({ tenantFinishMs: _tenantFinishMs, ...rest }) => rest) },
        }),
        measurement({
          ...base,
          metric: 'slowest tenant / median tenant',
          unit: 'x',
          better: 'lower',
          values: spreads.map((s) => s.slowestVsMedian),
          details: { spreads },
        }),
        measurement({ ...base, metric: 'fastest tenant / median tenant', unit: 'x', values: spreads.map((s) => s.fastestVsMedian) }),
      );
    }
    return out;
  },
};
