'use strict';
/**
 * Who is measured: each subject is one contender in one configuration, with the settings text the
 * report prints. Peer settings follow their documentation; concurrency is the harness's for all.
 */

const TQW_DEFAULTS =
  'worker defaults (batchSize 1000, prefetch up to 2000, one claim in flight per tenant, pollMinMs 200, pollMaxMs 2000, db.poolMax 10, db.asyncClaims true: claims commit without waiting for the log flush, completions and handler transactions synchronously); node --max-semi-space-size=32 --no-allocation-site-pretenuring as in the Docker image';
/** How the peers treat a finished job (they delete it), as a tqw setting: no Completed history kept. */
const DELETE_ON_COMPLETION =
  "retention.deleteOnCompletion: true (a completed message's row is deleted, as the peers delete finished jobs, instead of kept as Completed)";

/** tqw's documented fastest settings for short handlers (docs/performance.md), as the peers' "fast" subjects use theirs. */
const FAST_SETTINGS = `${DELETE_ON_COMPLETION}; db.asyncCommit: true (non-transactional completions and lease extensions, like the claims, commit without waiting for the log flush; transactional handlers' transactions stay synchronous)`;

const SUBJECTS = {
  'tqw non-transactional': {
    contender: 'tqw',
    variant: 'non-transactional',
    runtime: 'tqw',
    settings: `handler transactional: false (lease heartbeat); ${TQW_DEFAULTS}`,
  },
  'tqw transactional': {
    contender: 'tqw',
    variant: 'transactional',
    runtime: 'tqw',
    settings: `handler transactional: true (the default: handler inside the claim's transaction); ${TQW_DEFAULTS}`,
  },
  'tqw non-transactional, delete on completion': {
    contender: 'tqw',
    variant: 'non-transactional',
    runtime: 'tqw',
    storeOptions: { deleteOnCompletion: true },
    settings: `handler transactional: false; ${DELETE_ON_COMPLETION}; other settings as tqw non-transactional`,
  },
  'tqw transactional, delete on completion': {
    contender: 'tqw',
    variant: 'transactional',
    runtime: 'tqw',
    storeOptions: { deleteOnCompletion: true },
    settings: `handler transactional: true; ${DELETE_ON_COMPLETION}; other settings as tqw transactional`,
  },
  'tqw non-transactional, fast settings': {
    contender: 'tqw',
    variant: 'non-transactional',
    runtime: 'tqw',
    storeOptions: { deleteOnCompletion: true, asyncCommit: true },
    settings: `handler transactional: false; ${FAST_SETTINGS}; other settings as tqw non-transactional`,
  },
  'tqw transactional, fast settings': {
    contender: 'tqw',
    variant: 'transactional',
    runtime: 'tqw',
    storeOptions: { deleteOnCompletion: true, asyncCommit: true },
    settings: `handler transactional: true; ${FAST_SETTINGS}; other settings as tqw transactional`,
  },
  // The features scenario (features.js): the baseline 'tqw non-transactional' with one feature in use.
  'tqw non-transactional, a type paused': {
    contender: 'tqw',
    variant: 'non-transactional',
    runtime: 'tqw',
    features: { pauseTypes: ['PausedType'] },
    settings: 'as tqw non-transactional, with another message type paused (tqw pause --type): every claim filters it out',
  },
  'tqw non-transactional, limits not reached': {
    contender: 'tqw',
    variant: 'non-transactional',
    runtime: 'tqw',
    features: { limits: { ratePerSecond: 1e9, concurrency: 1e6 } },
    settings:
      'as tqw non-transactional, with tenant limits too high to be reached: every claim is a limited claim (its transaction, lock and budget)',
  },
  'tqw non-transactional, priorities': {
    contender: 'tqw',
    variant: 'non-transactional',
    runtime: 'tqw',
    features: { priorities: true },
    settings: 'as tqw non-transactional, with every message given a Priority from 0 to 9 (claimed highest first)',
  },
  'graphile-worker defaults': {
    contender: 'graphile-worker',
    variant: 'defaults',
    runtime: 'peers',
    settings: 'run({ concurrency }); everything else default (no local queue, no batched completion)',
  },
  'graphile-worker fast': {
    contender: 'graphile-worker',
    variant: 'fast',
    runtime: 'peers',
    settings:
      'run({ concurrency, preset.worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } }) (its docs: Performance)',
  },
  'pg-boss defaults': {
    contender: 'pg-boss',
    variant: 'defaults',
    runtime: 'peers',
    settings: 'work(queue, { localConcurrency }); batchSize 1, pollingIntervalSeconds 2 (defaults)',
    slowDrain: true,
  },
  'pg-boss fast': {
    contender: 'pg-boss',
    variant: 'fast',
    runtime: 'peers',
    settings: 'work(queue, { localConcurrency, batchSize: 100, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true })',
  },
  'pg-boss notify': {
    contender: 'pg-boss',
    variant: 'notify',
    runtime: 'peers',
    settings: 'defaults plus its opt-in LISTEN/NOTIFY: new PgBoss({ useListenNotify: true }), createQueue(queue, { notify: true })',
  },
};

/** The subject, or its SQL Server twin (label suffixed, dialect set) for tqw subjects. */
function subject(label, dialect = 'postgres') {
  const s = SUBJECTS[label];
  if (!s) throw new Error(`unknown subject '${label}'`);
  if (dialect === 'postgres') return { label, dialect, ...s };
  if (s.contender !== 'tqw') throw new Error(`${label}: only tqw runs on SQL Server`);
  return { ...s, label: `${label} (SQL Server)`, dialect };
}

/** tqw subjects on SQL Server too when MSSQL_URL is set. */
function withSqlServer(ctx, labels) {
  const list = labels.map((l) => subject(l));
  if (ctx.mssqlUrl) {
    for (const l of labels) if (SUBJECTS[l].contender === 'tqw') list.push(subject(l, 'sqlserver'));
  }
  return selected(ctx, list);
}

/** `--subjects` keeps the subjects whose label contains one of its words (all when it is not given). */
function selected(ctx, list) {
  const filter = ctx.options.subjectFilter ?? [];
  if (filter.length === 0) return list;
  return list.filter((s) => filter.some((word) => s.label.includes(word)));
}

/** tqw's drain subjects (scenario 1), in report order: each configuration with both handler kinds. */
const TQW_DRAIN_LABELS = Object.keys(SUBJECTS).filter((label) => SUBJECTS[label].contender === 'tqw' && !SUBJECTS[label].features);
/** The features scenario's subjects: the baseline, then one per feature in use. */
const TQW_FEATURE_LABELS = ['tqw non-transactional', ...Object.keys(SUBJECTS).filter((label) => SUBJECTS[label].features)];

module.exports = { SUBJECTS, TQW_DRAIN_LABELS, TQW_FEATURE_LABELS, selected, subject, withSqlServer };
