'use strict';
/**
 * Scenario 5: how cost grows with tenants. At each tenant count: the drain rate of M
 * messages split evenly across the tenants (tqw non-transactional), and the idle cost of `tqw run`
 * over the same tenants with empty queues.
 */
const { measurement } = require('../lib/measurement');
const { tenantSchema } = require('../lib/bench-database');
const { drainSeries, verificationNote } = require('./drain-series');
const { idleRun, prepareTenants } = require('./idle-run');
const { idleMeasurements } = require('./idle-cost');
const { subject: subjectOf } = require('./subjects');

function dialects(ctx) {
  return ctx.mssqlUrl ? ['postgres', 'sqlserver'] : ['postgres'];
}

module.exports = {
  id: 'growth',
  title: 'Growth: cost by number of tenants',
  describe: (s) =>
    `At ${s.growthTenants.join(', ')} tenants: drain of ${s.growthMessages.toLocaleString('en-US')} messages split evenly (tqw non-transactional), and idle cost of \`tqw run\` (${s.growthIdleWindowS} s window after ${s.idleSettleS} s)`,
  steps: (ctx) => dialects(ctx).length * ctx.options.sizes.growthTenants.length * (2 * ctx.options.runs + 1),
  async run(ctx) {
    const { sizes, runs } = ctx.options;
    const out = [];
    for (const dialect of dialects(ctx)) {
      const drainSubject = subjectOf('tqw non-transactional', dialect);
      const suffix = dialect === 'sqlserver' ? ' (SQL Server)' : '';
      for (const count of sizes.growthTenants) {
        const schemas = Array.from({ length: count }, (_, i) => tenantSchema(i + 1));
        const perTenant = Math.max(1, Math.floor(sizes.growthMessages / count));
        const results = await drainSeries(ctx, drainSubject, {
          schemas,
          perTenant,
          timeLimitMs: sizes.drainTimeLimitS * 1000,
          step: `growth ${count} tenants`,
        });
        out.push(
          measurement({
            scenario: 'growth',
            subject: `tqw non-transactional, ${count} tenants${suffix}`,
            metric: 'drain rate',
            unit: 'msg/s',
            values: results.map((r) => r.ratePerS),
            note: verificationNote(results),
            details: { tenants: count, perTenant, runs: results },
          }),
        );
        ctx.progress.begin(`growth ${count} tenants: emptying tables`);
        await prepareTenants(ctx, drainSubject, schemas);
        ctx.progress.end();
        const idle = [];
        for (let run = 1; run <= runs; run++) {
          ctx.progress.begin(`growth ${count} tenants: idle tqw run, run ${run}/${runs}`);
          idle.push(await idleRun(ctx, drainSubject, { schemas, windowS: sizes.growthIdleWindowS, settleS: sizes.idleSettleS }));
          ctx.progress.end();
        }
        const idleSubject = { ...drainSubject, label: `tqw run, ${count} tenants${suffix}` };
        out.push(...idleMeasurements('growth', idleSubject, idle).filter((m) => m.metric !== 'worker CPU seconds'));
      }
    }
    return out;
  },
};
