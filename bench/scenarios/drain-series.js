'use strict';
/**
 * One subject drained `ctx.options.runs` times in one contender process: per run the queue is
 * emptied, seeded (untimed) and drained (timed by bench/contenders/host.js).
 */
const { withContender } = require('../lib/contender-process');

/** Connection URLs of a subject's worker and of the harness's admin (seeding) connection. */
function urlsFor(ctx, subject) {
  if (subject.dialect === 'sqlserver') return { workerUrl: ctx.mssqlUrl, adminUrl: ctx.mssqlUrl };
  return { workerUrl: ctx.db.workerUrl, adminUrl: ctx.db.adminUrl };
}

/**
 * @param {object} ctx       the run's context (options, db, runtimes, progress)
 * @param {object} subject   from subjects.js
 * @param {object} o
 * @param {string[]} o.schemas          tenant schemas (tqw); peers use one queue
 * @param {number} o.perTenant          messages seeded per tenant
 * @param {number} o.timeLimitMs        cap of one drain
 * @param {boolean} [o.trackTenants]    record each tenant's finish time
 * @param {boolean} [o.warmUp]          one untimed drain first (same size), its result discarded
 * @param {string} o.step               progress label
 * @returns {Promise<object[]>} the drain results of each timed run
 */
async function drainSeries(ctx, subject, { schemas, perTenant, timeLimitMs, trackTenants = false, warmUp = false, step }) {
  const { runs, sizes } = ctx.options;
  const tenants = subject.contender === 'tqw' ? schemas : ['default'];
  const results = [];
  await withContender({ contender: subject.contender, ...ctx.runtimes[subject.runtime] }, async (proc) => {
    ctx.versions[subject.contender] = await proc.request('versions');
    await proc.request('setup', {
      ...urlsFor(ctx, subject),
      schemas: tenants,
      variant: subject.variant,
      storeOptions: subject.storeOptions,
      features: subject.features,
      concurrency: sizes.concurrency,
      dialect: subject.dialect,
    });
    const drainOnce = async () => {
      await proc.request('reset');
      await proc.request('seed', { perTenant: perTenant * (subject.contender === 'tqw' ? 1 : schemas.length) });
      return proc.request('drain', {
        expected: perTenant * schemas.length,
        perTenantExpected: trackTenants && subject.contender === 'tqw' ? perTenant : undefined,
        timeLimitMs,
      });
    };
    if (warmUp) {
      // Every subject's timed runs then start alike: its process's code compiled by the JIT and the
      // server's caches holding its tables, instead of the first subject of a run paying for both.
      ctx.progress.begin(`${step}: ${subject.label}, warm-up (untimed)`);
      await drainOnce();
      ctx.progress.end();
    }
    for (let run = 1; run <= runs; run++) {
      ctx.progress.begin(`${step}: ${subject.label}, run ${run}/${runs}`);
      results.push(await drainOnce());
      ctx.progress.end();
    }
    await proc.request('reset');
  });
  return results;
}

/**
 * What the checks after each drain found, as a note, or undefined when all is well: duplicate
 * deliveries, tqw rows not Completed in the database (or, deleting on completion, rows left),
 * graphile-worker jobs left in its table.
 */
function verificationNote(results) {
  const notes = [];
  const dup = results.reduce((n, r) => n + r.duplicates, 0);
  if (dup) notes.push(`${dup} duplicate deliveries`);
  for (const r of results) {
    const v = r.verified;
    if (!v || r.timedOut) continue;
    if (v.completedInDatabase !== undefined && v.completedInDatabase !== r.expected)
      notes.push(`${v.completedInDatabase} of ${r.expected} Completed in the database after stop`);
    if (v.rowsLeftInDatabase) notes.push(`${v.rowsLeftInDatabase} rows left in the database after stop (deleteOnCompletion)`);
    if (v.jobsLeftInDatabase) notes.push(`${v.jobsLeftInDatabase} jobs still in its table after stop`);
  }
  return notes.length ? notes.join('; ') : undefined;
}

module.exports = { drainSeries, urlsFor, verificationNote };
