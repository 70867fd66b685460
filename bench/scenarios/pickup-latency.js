'use strict';
/**
 * Scenario 3: pickup latency of an idle worker. One message is enqueued at a time through
 * each contender's own producer API, and the time from sending it to the handler starting is
 * recorded (in the contender's process, where both stamps are taken). A random gap separates the
 * messages; each contender and run is capped in time (polling peers take ~1 s per message).
 */
const { measurement } = require('../lib/measurement');
const { latencyPercentiles } = require('../lib/stats');
const { withContender } = require('../lib/contender-process');
const { urlsFor } = require('./drain-series');
const { withSqlServer } = require('./subjects');

const LABELS = [
  'tqw non-transactional',
  'tqw transactional',
  'graphile-worker defaults',
  'graphile-worker fast',
  'pg-boss defaults',
  'pg-boss notify',
];

/** SELECT 1 round trips timed after each SQL Server latency run (their median is the run's value). */
const ROUND_TRIP_SAMPLES = 50;

function subjects(ctx) {
  return withSqlServer(ctx, LABELS);
}

module.exports = {
  id: 'latency',
  title: 'Pickup latency: idle worker, one message at a time',
  describe: (s) =>
    `${s.latencySamples} messages per run, ${s.latencyGapMinMs}-${s.latencyGapMaxMs} ms apart, after ${s.latencyIdleS} s idle; from the producer sending its INSERT (autocommit) to the handler starting; at most ${s.latencyTimeLimitS} s per run`,
  steps: (ctx) => subjects(ctx).length * ctx.options.runs,
  async run(ctx) {
    const { sizes, runs } = ctx.options;
    const out = [];
    for (const subject of subjects(ctx)) {
      const perRun = [];
      // SQL Server: one round trip to the server per run, for its target (probe interval + one round trip).
      const roundTrips = [];
      await withContender({ contender: subject.contender, ...ctx.runtimes[subject.runtime] }, async (proc) => {
        ctx.versions[subject.contender] = await proc.request('versions');
        const schemas = subject.contender === 'tqw' ? ['latency'] : ['default'];
        await proc.request('setup', {
          ...urlsFor(ctx, subject),
          schemas,
          variant: subject.variant,
          concurrency: sizes.concurrency,
          dialect: subject.dialect,
        });
        for (let run = 1; run <= runs; run++) {
          ctx.progress.begin(`latency: ${subject.label}, run ${run}/${runs}`);
          perRun.push(
            await proc.request('latency', {
              tenants: schemas,
              samples: sizes.latencySamples,
              gapMinMs: sizes.latencyGapMinMs,
              gapMaxMs: sizes.latencyGapMaxMs,
              timeLimitMs: sizes.latencyTimeLimitS * 1000,
              idleMs: sizes.latencyIdleS * 1000,
            }),
          );
          if (subject.dialect === 'sqlserver') roundTrips.push((await proc.request('roundTrip', { samples: ROUND_TRIP_SAMPLES })).medianMs);
          ctx.progress.end();
        }
        await proc.request('reset');
      });
      const pct = perRun.map((r) => latencyPercentiles(r.latenciesMs));
      const got = perRun.map((r) => r.latenciesMs.length);
      const short = got.some((n) => n < sizes.latencySamples);
      const missed = perRun.reduce((sum, r) => sum + r.missed, 0);
      const notes = [];
      if (short) notes.push(`time cap: ${got.join('/')} of ${sizes.latencySamples} samples per run`);
      if (missed) notes.push(`${missed} messages not picked up within 10 s`);
      const base = { scenario: 'latency', subject: subject.label, unit: 'ms', better: 'lower', note: notes.join('; ') || undefined };
      out.push(
        measurement({
          ...base,
          metric: 'pickup p50',
          values: pct.map((p) => p.p50),
          details: { settings: subject.settings, samplesPerRun: got, missed },
        }),
        measurement({ ...base, metric: 'pickup p95', values: pct.map((p) => p.p95), note: undefined }),
        measurement({ ...base, metric: 'pickup p99', values: pct.map((p) => p.p99), note: undefined }),
      );
      if (roundTrips.length > 0)
        out.push(
          measurement({
            ...base,
            metric: 'round trip',
            values: roundTrips,
            note: `median of ${ROUND_TRIP_SAMPLES} SELECT 1 from the bench process`,
          }),
        );
    }
    return out;
  },
};
