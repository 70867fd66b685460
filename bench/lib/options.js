'use strict';
/**
 * Command-line options of `npm run bench`, with their defaults, and the sizes each scenario uses.
 *
 *   npm run bench -- [--runs N] [--scenario drain,latency,...] [--quick] [--size KEY=VALUE ...]
 *
 * `--quick` shrinks every size (a smoke run in about two minutes); `--size` overrides one size
 * (e.g. `--size drainMessages=20000`), so a slow machine can cut a scenario and say so in the report.
 */
const { parseArgs } = require('node:util');

const SCENARIO_IDS = ['drain', 'many-tenants', 'latency', 'idle', 'growth', 'features'];

/** Sizes of the full run (the figures of record). */
const FULL_SIZES = Object.freeze({
  /** Scenario 1: messages drained, one tenant. */
  drainMessages: 50_000,
  /** Handlers at once, for every contender. */
  concurrency: 10,
  /** Scenario 1: longest a drain may run; a slower contender is measured over this window (pg-boss defaults). */
  drainTimeLimitS: 120,
  /** Scenario 1: window for contenders known to drain slowly by design (pg-boss defaults polls 1 job / 2 s / worker). */
  slowDrainWindowS: 15,
  /** Scenario 2: tenant schemas x messages each. */
  manyTenants: 100,
  manyTenantsMessages: 500,
  /** Scenario 3: messages enqueued one at a time, the gap between them, and a time cap per contender and run. */
  latencySamples: 200,
  latencyGapMinMs: 30,
  latencyGapMaxMs: 90,
  latencyTimeLimitS: 20,
  /** Scenario 3: idle time before the first sample, so pollers have backed off. */
  latencyIdleS: 3,
  /** Scenario 4: empty tenants and the measured idle window. */
  idleTenants: 1_000,
  idleWindowS: 60,
  /** Scenarios 4 and 5: time the daemon runs before the idle window opens (start-up polls excluded). */
  idleSettleS: 5,
  /** Scenario 5: tenant counts, messages drained at each (split evenly), and the idle window at each. */
  growthTenants: [1, 10, 100, 1_000],
  growthMessages: 10_000,
  growthIdleWindowS: 15,
});

const QUICK_SIZES = Object.freeze({
  ...FULL_SIZES,
  drainMessages: 2_000,
  drainTimeLimitS: 30,
  slowDrainWindowS: 4,
  manyTenants: 10,
  manyTenantsMessages: 100,
  latencySamples: 20,
  latencyTimeLimitS: 8,
  latencyIdleS: 1,
  idleTenants: 100,
  idleWindowS: 5,
  idleSettleS: 2,
  growthTenants: [1, 10, 100],
  growthMessages: 1_000,
  growthIdleWindowS: 3,
});

const USAGE = `Usage: npm run bench -- [options]
  --runs N            repetitions of each measurement (default 3)
  --scenario LIST     comma-separated subset of: ${SCENARIO_IDS.join(', ')} (default all)
  --subjects TEXT     only the subjects whose label contains TEXT (comma list: any of them), e.g. tqw
  --quick             small sizes: a smoke run of a couple of minutes
  --size KEY=VALUE    override one size (repeatable), e.g. --size drainMessages=20000
  --no-report         do not write bench/results/latest.json and docs/benchmarks.md
  --help              this text
Environment: PG_URL (use this PostgreSQL server instead of an embedded one; needs a superuser),
MSSQL_URL (also run the tqw scenarios on this SQL Server).
\`node bench/render-report.js\` re-renders docs/benchmarks.md from bench/results/latest.json.`;

class UsageError extends Error {}

function parseSize(text, sizes) {
  const match = /^([A-Za-z]+)=(.+)$/.exec(text);
  if (!match || !(match[1] in sizes)) {
    throw new UsageError(`--size ${text}: expected KEY=VALUE with KEY one of ${Object.keys(sizes).join(', ')}`);
  }
  const [, key, raw] = match;
  const value = Array.isArray(sizes[key]) ? raw.split(',').map(Number) : Number(raw);
  const values = Array.isArray(value) ? value : [value];
  if (values.some((v) => !Number.isFinite(v) || v < 0))
    throw new UsageError(`--size ${text}: VALUE must be a number >= 0 (or a comma list for ${key})`);
  return [key, value];
}

/** Parses argv (without node and script). Throws UsageError with a message naming the bad flag. */
function parseOptions(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        runs: { type: 'string', default: '3' },
        scenario: { type: 'string' },
        subjects: { type: 'string' },
        quick: { type: 'boolean', default: false },
        size: { type: 'string', multiple: true, default: [] },
        'no-report': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    });
  } catch (err) {
    throw new UsageError(`${err.message}\n${USAGE}`);
  }
  const { values } = parsed;
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be an integer >= 1, got '${values.runs}'`);
  const scenarios = values.scenario
    ? values.scenario
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : SCENARIO_IDS;
  for (const id of scenarios) {
    if (!SCENARIO_IDS.includes(id)) throw new UsageError(`--scenario: unknown scenario '${id}' (known: ${SCENARIO_IDS.join(', ')})`);
  }
  const sizes = { ...(values.quick ? QUICK_SIZES : FULL_SIZES) };
  const overridden = {};
  for (const text of values.size) {
    const [key, value] = parseSize(text, sizes);
    sizes[key] = value;
    overridden[key] = value;
  }
  return {
    help: values.help,
    runs,
    scenarios,
    subjectFilter: values.subjects
      ? values.subjects
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
    quick: values.quick,
    sizes,
    overridden,
    writeReport: !values['no-report'],
  };
}

module.exports = { parseOptions, UsageError, USAGE, SCENARIO_IDS, FULL_SIZES, QUICK_SIZES };
