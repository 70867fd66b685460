'use strict';
/**
 * pg-boss as a contender (runs under Node 22: pg-boss 12 needs it). `localConcurrency` is the
 * harness's concurrency in every variant (that many polling workers in this process).
 * Variants:
 * - `defaults`: work() with localConcurrency only (batchSize 1, polling every 2 s).
 * - `fast`: batchSize 100, pollingIntervalSeconds 0.5, burstWhenBatchFull (fetch again at once while
 *   batches come back full).
 * - `notify`: defaults plus its opt-in LISTEN/NOTIFY (instance useListenNotify, queue notify).
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const QUEUE = 'bench-noop';
const SEED_CHUNK = 5_000;

const VARIANTS = {
  defaults: { work: {}, instance: {}, queue: {} },
  fast: { work: { batchSize: 100, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true }, instance: {}, queue: {} },
  notify: { work: {}, instance: { useListenNotify: true }, queue: { notify: true } },
};

function createAdapter() {
  let boss;
  let producer;
  let settings;
  let variant;

  return {
    versions() {
      const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'node_modules', 'pg-boss', 'package.json'), 'utf8'));
      return { 'pg-boss': pkg.version, node: process.version };
    },

    /** { workerUrl, adminUrl, variant, concurrency } */
    async setup(args) {
      settings = args;
      variant = VARIANTS[args.variant];
      if (!variant) throw new Error(`pg-boss: unknown variant '${args.variant}'`);
      const { PgBoss } = await import('pg-boss');
      // The producer: its own instance as the admin role, without maintenance or scheduling.
      producer = new PgBoss({ connectionString: args.adminUrl, supervise: false, schedule: false });
      producer.on('error', (err) => process.stderr.write(`pg-boss producer: ${err.message}\n`));
      await producer.start();
      await producer.deleteQueue(QUEUE).catch(() => undefined);
      await producer.createQueue(QUEUE, variant.queue);
      boss = new PgBoss({ connectionString: args.workerUrl, migrate: false, ...variant.instance });
      boss.on('error', (err) => process.stderr.write(`pg-boss: ${err.message}\n`));
      boss.on('warning', () => undefined);
      await boss.start();
    },

    async seed({ perTenant }) {
      for (let done = 0; done < perTenant; done += SEED_CHUNK) {
        const n = Math.min(SEED_CHUNK, perTenant - done);
        await producer.insert(
          QUEUE,
          Array.from({ length: n }, (_, i) => ({ data: { seq: done + i + 1 } })),
        );
      }
    },

    async start({ onHandle }) {
      await boss.work(QUEUE, { localConcurrency: settings.concurrency, ...variant.work }, async (jobs) => {
        for (const job of jobs) onHandle('default', job.data, job.id);
      });
    },

    async stop() {
      await boss.offWork(QUEUE, { wait: true });
    },

    async enqueueOne(_tenant, payload) {
      await producer.send(QUEUE, payload);
    },

    async reset() {
      await producer.deleteAllJobs(QUEUE);
    },

    async close() {
      if (boss) await boss.stop({ graceful: true, close: true, timeout: 5_000 });
      if (producer) await producer.stop({ graceful: false, close: true, timeout: 1_000 });
    },
  };
}

module.exports = { createAdapter, VARIANTS };
