'use strict';
/**
 * tqw as a contender: the real engine from dist/ (Worker, createStore, loadTenants, enqueue; from the
 * run's snapshot of the build, see lib/tqw-snapshot.js), one
 * tenant per schema, tenants loaded from a tenants file exactly as `tqw run` loads them.
 * Variants: `non-transactional` (handler `transactional: false`: lease heartbeat, batched completion
 * where the engine batches) and `transactional` (the default: the handler runs inside the claim's
 * database transaction, exactly-once effects).
 */
const { mkdtempSync, writeFileSync, rmSync, readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const pino = require('pino');
const { summarize } = require('../lib/stats');
const { tqwRoot } = require('../lib/tqw-snapshot');
const { TABLES, MESSAGE_TYPE } = require('./tqw-tables');

const TQW_ROOT = tqwRoot();
const tqw = require(join(TQW_ROOT, 'dist', 'index.js'));
const MIGRATE_CONCURRENCY = 8;

async function mapLimit(items, limit, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}

function createAdapter() {
  let settings;
  let tenants = [];
  let admin;
  let tables;
  let dir;
  let running;

  return {
    versions() {
      const { version } = JSON.parse(readFileSync(join(TQW_ROOT, 'package.json'), 'utf8'));
      return { 'tenant-queue-worker': version, node: process.version };
    },

    /** { workerUrl, adminUrl, schemas, variant, concurrency, dialect, workerOptions, storeOptions } */
    async setup(args) {
      settings = args;
      tables = TABLES[args.dialect ?? 'postgres'];
      dir = mkdtempSync(join(tmpdir(), 'tqw-bench-tenants-'));
      const file = join(dir, 'tenants.json');
      const limits = args.features?.limits;
      writeFileSync(
        file,
        JSON.stringify(
          args.schemas.map((schema) => ({ id: schema, connectionString: args.workerUrl, schema, ...(limits ? { limits } : {}) })),
        ),
      );
      tenants = tqw.loadTenants(file, {});
      // Tables and indexes through the store's own migration (idempotent: a no-op when they exist).
      const pools = new tqw.StorePools();
      await mapLimit(tenants, MIGRATE_CONCURRENCY, async (t) => {
        const store = tqw.createStore(t, pools);
        await store.migrate();
        // Pause switches are kept across runs in QueuePauses: set exactly the subject's.
        for (const type of (await store.pauseState()).types) await store.resume(type);
        for (const type of args.features?.pauseTypes ?? []) await store.pause(type);
      });
      await pools.closeAll();
      admin = await tables.open(args.adminUrl);
      await tables.truncate(admin, args.schemas);
      return { tenants: tenants.length };
    },

    async seed({ perTenant }) {
      for (const schema of settings.schemas) await tables.seed(admin, schema, perTenant);
      if (settings.features?.priorities) for (const schema of settings.schemas) await tables.spreadPriorities(admin, schema);
      await tables.analyze(admin, settings.schemas);
    },

    async start({ onHandle }) {
      // storeOptions: e.g. { deleteOnCompletion: true } (config retention.deleteOnCompletion).
      const pools = new tqw.StorePools(undefined, undefined, settings.storeOptions);
      const logger = pino({ level: 'warn' }, pino.destination(2));
      let worker;
      const metrics = tqw.createMetrics({ defaultMetrics: false, source: { tenants: () => worker.gaugeSnapshots() } });
      const handler = tqw.defineHandler({
        type: MESSAGE_TYPE,
        transactional: settings.variant === 'transactional',
        handle(message) {
          onHandle(message.tenantId, message.payload, message.id);
        },
      });
      worker = new tqw.Worker({
        handlers: tqw.HandlerRegistry.fromHandlers([handler]),
        createStore: (t) => tqw.createStore(t, pools),
        logger,
        metrics,
        redact: (s) => s,
        // TQW_BENCH_WORKER_OPTIONS (JSON): try engine settings without editing the harness (see bench/README.md).
        options: {
          concurrency: settings.concurrency,
          ...settings.workerOptions,
          ...JSON.parse(process.env.TQW_BENCH_WORKER_OPTIONS ?? '{}'),
        },
      });
      worker.start(tenants);
      running = { worker, pools };
    },

    async stop() {
      if (!running) return;
      await running.worker.stop();
      await running.pools.closeAll();
      running = undefined;
    },

    /** The real producer API, through the admin's pool (so its statements are not the worker's). */
    async enqueueOne(tenant, payload) {
      if ((settings.dialect ?? 'postgres') === 'postgres') {
        await tqw.enqueue(admin.pool, { tenantId: tenant, messageType: MESSAGE_TYPE, payload }, { schema: tenant });
      } else {
        await tqw.enqueue(admin.pool, { tenantId: tenant, messageType: MESSAGE_TYPE, payload }, { schema: tenant, dialect: 'sqlserver' });
      }
    },

    /** Median of `samples` `SELECT 1` round trips from this process to the tenants' server (ms). */
    async roundTrip({ samples }) {
      const times = [];
      for (let i = 0; i < samples; i++) {
        const t0 = performance.now();
        await tables.ping(admin);
        times.push(performance.now() - t0);
      }
      return { medianMs: summarize(times).median };
    },

    async verify() {
      // With deleteOnCompletion a completed message leaves no row: every row left is a miss.
      if (settings.storeOptions?.deleteOnCompletion) return { rowsLeftInDatabase: await tables.rows(admin, settings.schemas) };
      return { completedInDatabase: await tables.completed(admin, settings.schemas) };
    },

    async reset() {
      await tables.truncate(admin, settings.schemas);
    },

    async close() {
      await this.stop();
      if (admin) await admin.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { createAdapter };
