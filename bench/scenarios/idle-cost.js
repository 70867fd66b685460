'use strict';
/**
 * Scenario 4: idle cost of the daemon with many empty tenants (schemas of one database):
 * statements per second it sends, CPU and peak RSS; then the pickup latency of one message to a
 * random tenant. A fresh `tqw run` per run, so peak RSS includes its start-up as a user would see it.
 */
const { measurement } = require('../lib/measurement');
const { tenantSchema } = require('../lib/bench-database');
const { idleRun, prepareTenants } = require('./idle-run');
const { withSqlServer } = require('./subjects');

const LABELS = ['tqw non-transactional'];

function subjects(ctx) {
  return withSqlServer(ctx, LABELS).map((s) => ({ ...s, label: s.label.replace('tqw non-transactional', 'tqw run') }));
}

function idleMeasurements(scenario, subject, results, extra = {}) {
  const base = { scenario, subject: subject.label, ...extra };
  const evicted = results.some((r) => r.statementsEvicted);
  const missed = results.filter((r) => r.pickupMs === null).length;
  return [
    measurement({
      ...base,
      metric: 'statements/s',
      unit: '/s',
      better: 'lower',
      values: results.map((r) => r.statementsPerS),
      note:
        subject.dialect === 'sqlserver'
          ? 'not measured on SQL Server'
          : evicted
            ? 'pg_stat_statements evicted entries: a lower bound'
            : undefined,
      details: { runs: results },
    }),
    measurement({ ...base, metric: 'worker CPU seconds', unit: 's', better: 'lower', values: results.map((r) => r.cpuSeconds) }),
    measurement({ ...base, metric: 'worker CPU', unit: '% of a core', better: 'lower', values: results.map((r) => r.cpuPercent) }),
    measurement({ ...base, metric: 'peak RSS', unit: 'MB', better: 'lower', values: results.map((r) => r.peakRssMb) }),
    measurement({
      ...base,
      metric: 'pickup after idle',
      unit: 'ms',
      better: 'lower',
      values: results.map((r) => r.pickupMs).filter((v) => v !== null),
      note: missed ? `${missed} probe(s) not picked up within 30 s` : undefined,
    }),
  ];
}

module.exports = {
  id: 'idle',
  title: 'Idle cost: many empty tenants',
  describe: (s) =>
    `${s.idleTenants.toLocaleString('en-US')} tenant schemas with empty queues in one database, \`tqw run\` with default settings, ${s.idleWindowS} s window after ${s.idleSettleS} s of settling; then one message to a random tenant`,
  steps: (ctx) => subjects(ctx).length * (ctx.options.runs + 1),
  async run(ctx) {
    const { sizes, runs } = ctx.options;
    const schemas = Array.from({ length: sizes.idleTenants }, (_, i) => tenantSchema(i + 1));
    const out = [];
    for (const subject of subjects(ctx)) {
      ctx.progress.begin(`idle: creating ${schemas.length} tenant tables (${subject.label})`);
      await prepareTenants(ctx, subject, schemas);
      ctx.progress.end();
      const results = [];
      for (let run = 1; run <= runs; run++) {
        ctx.progress.begin(`idle: ${subject.label}, ${schemas.length} tenants, run ${run}/${runs}`);
        results.push(await idleRun(ctx, subject, { schemas, windowS: sizes.idleWindowS, settleS: sizes.idleSettleS }));
        ctx.progress.end();
      }
      out.push(...idleMeasurements('idle', subject, results));
    }
    return out;
  },
  idleMeasurements,
};
