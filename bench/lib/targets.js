'use strict';
/**
 * The performance targets, checked against a run's measurements, and the
 * tqw / peer ratios of the drain and latency scenarios. A target whose inputs were not measured in
 * this run (scenario not selected) is reported as "not measured".
 */
const { ratio } = require('./stats');
const { TQW_DRAIN_LABELS } = require('../scenarios/subjects');

function medianOf(measurements, scenario, subject, metric) {
  const m = measurements.find((x) => x.scenario === scenario && x.subject === subject && x.metric === metric);
  return m ? m.summary.median : null;
}

/** Default worker.pollMaxMs: a message on any tenant must be picked up within it. */
const POLL_MAX_MS = 2000;

/**
 * Default worker.sqlServerProbeMs: SQL Server has no NOTIFY, so an idle tenant is found by the
 * readiness probe that runs this often; it is the configured minimum poll interval there.
 */
const SQLSERVER_PROBE_MS = 250;

/**
 * "On SQL Server, p95 no worse than the configured minimum poll interval plus one round trip": the
 * round trip is the median `SELECT 1` from the bench process to the same server, measured after
 * each latency run of the subject.
 */
function sqlServerPickupTarget(variant) {
  const subject = `tqw ${variant} (SQL Server)`;
  return {
    text: `Pickup latency on SQL Server, idle, p95 <= worker.sqlServerProbeMs (${SQLSERVER_PROBE_MS} ms) + one round trip (tqw ${variant})`,
    value: (ms) => medianOf(ms, 'latency', subject, 'pickup p95'),
    unit: 'ms',
    met: (v, ms) => {
      const roundTrip = medianOf(ms, 'latency', subject, 'round trip');
      return roundTrip !== null && v <= SQLSERVER_PROBE_MS + roundTrip;
    },
  };
}

/**
 * The drain targets, for tqw with its defaults (Completed rows kept, as the article's table does),
 * with retention.deleteOnCompletion (finished messages deleted, as the peers delete finished jobs),
 * and with its fast settings (deleteOnCompletion and db.asyncCommit), as the peers' fast subjects
 * use their documented fastest settings.
 */
function drainTargets(suffix, label) {
  const tqw = (variant) => `tqw ${variant}${suffix}`;
  const rate = (ms, subject) => medianOf(ms, 'drain', subject, 'drain rate');
  return [
    {
      text: `Drain, non-transactional: >= 1.2x graphile-worker with its batched settings${label}`,
      value: (ms) => ratio(rate(ms, tqw('non-transactional')), rate(ms, 'graphile-worker fast')),
      unit: 'x',
      met: (v) => v >= 1.2,
    },
    {
      text: `Drain, non-transactional: >= 2x pg-boss tuned${label}`,
      value: (ms) => ratio(rate(ms, tqw('non-transactional')), rate(ms, 'pg-boss fast')),
      unit: 'x',
      met: (v) => v >= 2,
    },
    {
      text: `Drain, transactional: >= 2x graphile-worker with its defaults${label}`,
      value: (ms) => ratio(rate(ms, tqw('transactional')), rate(ms, 'graphile-worker defaults')),
      unit: 'x',
      met: (v) => v >= 2,
    },
  ];
}

const TARGETS = [
  ...drainTargets('', ''),
  ...drainTargets(', delete on completion', ' (tqw with retention.deleteOnCompletion)'),
  ...drainTargets(', fast settings', ' (tqw with its fast settings: deleteOnCompletion and db.asyncCommit)'),
  {
    text: 'Pickup latency on PostgreSQL, idle, p50 <= 4 ms (tqw non-transactional)',
    value: (ms) => medianOf(ms, 'latency', 'tqw non-transactional', 'pickup p50'),
    unit: 'ms',
    met: (v) => v <= 4,
  },
  {
    text: 'Pickup latency on PostgreSQL, idle, p50 <= 4 ms (tqw transactional)',
    value: (ms) => medianOf(ms, 'latency', 'tqw transactional', 'pickup p50'),
    unit: 'ms',
    met: (v) => v <= 4,
  },
  sqlServerPickupTarget('non-transactional'),
  sqlServerPickupTarget('transactional'),
  {
    text: 'Idle, 1,000 empty tenants: < 5 statements/s in total',
    value: (ms) => medianOf(ms, 'idle', 'tqw run', 'statements/s'),
    unit: '/s',
    met: (v) => v < 5,
    needsTenants: 1000,
  },
  {
    text: 'Idle, 1,000 empty tenants: < 150 MB RSS',
    value: (ms) => medianOf(ms, 'idle', 'tqw run', 'peak RSS'),
    unit: 'MB',
    met: (v) => v < 150,
    needsTenants: 1000,
  },
  {
    text: `Idle, 1,000 empty tenants: a new message picked up within the maximum poll interval (${POLL_MAX_MS} ms)`,
    value: (ms) => {
      const m = ms.find((x) => x.scenario === 'idle' && x.subject === 'tqw run' && x.metric === 'pickup after idle');
      return m ? m.summary.max : null;
    },
    unit: 'ms (worst run)',
    met: (v) => v <= POLL_MAX_MS,
    needsTenants: 1000,
  },
  {
    text: 'Fairness: no tenant finishes later than 1.5x the median tenant',
    value: (ms) => {
      const m = ms.find(
        (x) => x.scenario === 'many-tenants' && x.subject === 'tqw non-transactional' && x.metric === 'slowest tenant / median tenant',
      );
      return m ? m.summary.max : null;
    },
    unit: 'x (worst run)',
    met: (v) => v <= 1.5,
  },
];

/** [{ text, value, unit, status: 'met' | 'not met' | 'not measured', caveat }] */
function checkTargets(measurements, sizes) {
  return TARGETS.map((t) => {
    const value = t.value(measurements);
    const caveat = t.needsTenants && sizes.idleTenants !== t.needsTenants ? `measured with ${sizes.idleTenants} tenants` : undefined;
    return {
      text: t.text,
      value,
      unit: t.unit,
      status: value === null || value === undefined ? 'not measured' : t.met(value, measurements) ? 'met' : 'not met',
      caveat,
    };
  });
}

const PEERS = ['graphile-worker defaults', 'graphile-worker fast', 'pg-boss defaults', 'pg-boss fast', 'pg-boss notify'];
const TQW = TQW_DRAIN_LABELS;

/** tqw / peer ratios of the medians: drain rate (higher is better) and pickup p50 (peer / tqw, so > 1 means tqw is faster). */
function peerRatios(measurements) {
  const rows = [];
  for (const [scenario, metric, invert] of [
    ['drain', 'drain rate', false],
    ['latency', 'pickup p50', true],
  ]) {
    for (const tqw of TQW) {
      for (const peer of PEERS) {
        const a = medianOf(measurements, scenario, tqw, metric);
        const b = medianOf(measurements, scenario, peer, metric);
        if (a === null || b === null) continue;
        rows.push({ scenario, metric, tqw, peer, tqwValue: a, peerValue: b, ratio: invert ? ratio(b, a) : ratio(a, b) });
      }
    }
  }
  return rows;
}

module.exports = { checkTargets, peerRatios, TARGETS };
