#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: the benchmark harness. Starts its own embedded PostgreSQL (or uses
 * PG_URL), runs each selected scenario `--runs` times with a progress bar, prints a table (median,
 * min, max) and the targets, and writes bench/results/latest.json and docs/benchmarks.md.
 * See bench/lib/options.js for the flags and sizes.
 */
const { existsSync, mkdirSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { parseOptions, UsageError, USAGE } = require('./lib/options');
const { ensureBenchDependencies } = require('./lib/ensure-deps');

const REPO_ROOT = join(__dirname, '..');
const RESULTS_FILE = join(__dirname, 'results', 'latest.json');
const REPORT_FILE = join(REPO_ROOT, 'docs', 'benchmarks.md');

async function sqlServerVersion(url) {
  const mssql = require('mssql');
  const pool = await new mssql.ConnectionPool(url).connect();
  try {
    const { recordset } = await pool.request().query("SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(64)) AS v");
    return recordset[0].v;
  } finally {
    await pool.close();
  }
}

async function main(argv) {
  const options = parseOptions(argv);
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!existsSync(join(REPO_ROOT, 'dist', 'index.js'))) {
    throw new Error('dist/index.js is missing: run `npm run build` first (npm run bench does)');
  }
  ensureBenchDependencies();
  const { snapshotTqw } = require('./lib/tqw-snapshot');
  const tqwBuild = snapshotTqw();

  // Loaded after the install: some of these resolve packages from bench/node_modules.
  const { resolveRuntimes } = require('./lib/runtimes');
  const { startPostgresServer } = require('./lib/postgres-server');
  const { createBenchDatabase, dropBenchDatabase, serverFacts } = require('./lib/bench-database');
  const { createStatementCounter } = require('./lib/statement-counter');
  const { createProgress } = require('./lib/progress');
  const { machineFacts } = require('./lib/machine');
  const { renderTable, renderTargets } = require('./lib/console-table');
  const { renderMarkdown } = require('./lib/markdown-report');
  const { checkTargets, peerRatios } = require('./lib/targets');
  const ALL = require('./scenarios');

  const scenarios = ALL.filter((s) => options.scenarios.includes(s.id));
  const runtimes = resolveRuntimes();
  const machine = machineFacts();
  const startedAt = new Date();
  const mssqlUrl = process.env.MSSQL_URL || null;

  process.stderr.write(`bench: starting PostgreSQL${process.env.PG_URL ? ' (PG_URL)' : ' (embedded)'} ...\n`);
  const server = await startPostgresServer();
  const measurements = [];
  const errors = [];
  let results;
  try {
    const db = await createBenchDatabase(server.adminUrl);
    const facts = await serverFacts(db.adminUrl);
    const statementCounter = await createStatementCounter(db);
    const ctx = { options, db, runtimes, mssqlUrl, statementCounter, versions: {}, progress: null };
    ctx.progress = createProgress({ total: scenarios.reduce((n, s) => n + s.steps(ctx), 0) });
    for (const scenario of scenarios) {
      try {
        measurements.push(...(await scenario.run(ctx)));
      } catch (err) {
        errors.push({ scenario: scenario.id, error: err && err.stack ? err.stack : String(err) });
        ctx.progress.log(`bench: scenario ${scenario.id} failed: ${err && err.message}`);
      }
    }
    ctx.progress.close();

    const finishedAt = new Date();
    const targets = checkTargets(measurements, options.sizes);
    const ratios = peerRatios(measurements);
    results = {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMinutes: Math.round(((finishedAt - startedAt) / 60_000) * 10) / 10,
      argv,
      options,
      machine,
      versions: {
        tqw: tqwBuild.version,
        tqwCommit: tqwBuild.commit,
        tqwUncommittedSrcChanges: tqwBuild.uncommittedSrcChanges,
        tqwNode: runtimes.tqw.version,
        peersNode: runtimes.peers.version,
        'graphile-worker': ctx.versions['graphile-worker']?.['graphile-worker'],
        'pg-boss': ctx.versions['pg-boss']?.['pg-boss'],
      },
      server: { ...facts, embedded: server.embedded },
      mssql: mssqlUrl ? await sqlServerVersion(mssqlUrl).catch((e) => `unknown (${e.message})`) : null,
      statementCountMethod: statementCounter.method,
      scenarios: scenarios.map((s) => ({ id: s.id, title: s.title, description: s.describe(options.sizes) })),
      measurements,
      targets,
      ratios,
      errors,
    };
    await dropBenchDatabase(server.adminUrl).catch(() => undefined);
  } finally {
    await server.stop();
  }

  process.stdout.write(`\n${renderTable(measurements)}\n${renderTargets(results.targets, results.ratios)}\n`);
  if (options.writeReport) {
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    mkdirSync(dirname(REPORT_FILE), { recursive: true });
    writeFileSync(REPORT_FILE, renderMarkdown(results));
    process.stdout.write(`\nWrote ${RESULTS_FILE} and ${REPORT_FILE}\n`);
  }
  return errors.length ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`bench: ${err instanceof UsageError ? err.message : err && err.stack ? err.stack : err}\n`);
      process.exit(err instanceof UsageError ? 64 : 1);
    },
  );
}

module.exports = { main };
