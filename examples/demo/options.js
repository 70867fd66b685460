'use strict';
/**
 * Command-line options of the demo (node:util parseArgs, built into Node: no dependency).
 *
 *   --rate N        messages per second the producer enqueues, over all tenants together
 *                   (env DEMO_RATE; default 20; 0.1 to 1000)
 *   --duration D    stop by itself after D (30s, 2m, 1500ms or plain seconds; env DEMO_DURATION;
 *                   default: run until Ctrl-C)
 *   --keep          keep the temp folder (worker log, config, tenants file) after exit (env DEMO_KEEP=1)
 *   --help
 */
const { parseArgs } = require('node:util');

const DEFAULT_RATE = 20;
const MAX_RATE = 1000;

const USAGE = `Usage: npm run demo -- [--rate N] [--duration 30s] [--keep]

Starts an embedded PostgreSQL with three tenant databases, runs \`tqw migrate\`, starts \`tqw run\`
with the example handlers, enqueues a steady mix of messages and shows live per-tenant counts.
Stop it with Ctrl-C (or q).

  --rate N       messages per second over all tenants (env DEMO_RATE, default ${DEFAULT_RATE})
  --duration D   stop by itself after D: 30s, 2m, 1500ms or plain seconds (env DEMO_DURATION)
  --keep         keep the temp folder with the worker log after exit (env DEMO_KEEP=1)
  --help         this text`;

/** A usage mistake: demo.js prints it with the usage text and exits 64 (EX_USAGE). */
class DemoUsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'DemoUsageError';
  }
}

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** '30s' -> 30000, '2m' -> 120000, '1500ms' -> 1500, '8' -> 8000 (plain numbers are seconds). */
function parseDuration(text, source) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(String(text));
  if (!match) {
    throw new DemoUsageError(`${source} must be a duration such as 30s, 2m or 1500ms, got ${JSON.stringify(text)}`);
  }
  const ms = Number(match[1]) * DURATION_UNITS_MS[(match[2] ?? 's').toLowerCase()];
  if (ms <= 0) throw new DemoUsageError(`${source} must be longer than 0, got ${JSON.stringify(text)}`);
  return Math.round(ms);
}

function parseRate(text, source) {
  const rate = Number(text);
  if (String(text).trim() === '' || !Number.isFinite(rate) || rate < 0.1 || rate > MAX_RATE) {
    throw new DemoUsageError(`${source} must be a number of messages per second from 0.1 to ${MAX_RATE}, got ${JSON.stringify(text)}`);
  }
  return rate;
}

/**
 * @returns {{ help: boolean, rate: number, durationMs: number | undefined, keep: boolean }}
 * @throws DemoUsageError
 */
function parseOptions(argv, env) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        rate: { type: 'string' },
        duration: { type: 'string' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new DemoUsageError(err.message);
  }
  const rateText = values.rate ?? env.DEMO_RATE;
  const durationText = values.duration ?? env.DEMO_DURATION;
  return {
    help: values.help === true,
    rate: rateText === undefined ? DEFAULT_RATE : parseRate(rateText, values.rate !== undefined ? '--rate' : 'DEMO_RATE'),
    durationMs:
      durationText === undefined || durationText === ''
        ? undefined
        : parseDuration(durationText, values.duration !== undefined ? '--duration' : 'DEMO_DURATION'),
    keep: values.keep === true || env.DEMO_KEEP === '1' || env.DEMO_KEEP === 'true',
  };
}

module.exports = { parseOptions, parseDuration, DemoUsageError, USAGE };
