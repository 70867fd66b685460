'use strict';
/**
 * graphile-worker as a contender (runs under Node 22: graphile-worker 0.18 needs it).
 * Variants:
 * - `defaults`: run() with concurrency only.
 * - `fast`: its documented batched settings (worker.graphile.org/docs/performance): a local queue of
 *   500 jobs fetched per batch, and job completions/failures batched with a delay of 0.
 * Jobs are added through WorkerUtils (its producer API) as the admin role, so only the runner's
 * statements are the worker's.
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const TASK = 'bench_noop';
const SEED_CHUNK = 5_000;

const VARIANTS = {
  defaults: {},
  fast: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 },
};

function createAdapter() {
  let gw;
  let utils;
  let settings;
  let runner;
  let silent;

  return {
    versions() {
      const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'node_modules', 'graphile-worker', 'package.json'), 'utf8'));
      return { 'graphile-worker': pkg.version, node: process.version };
    },

    /** { workerUrl, adminUrl, variant, concurrency } */
    async setup(args) {
      settings = args;
      if (!VARIANTS[args.variant]) throw new Error(`graphile-worker: unknown variant '${args.variant}'`);
      gw = await import('graphile-worker');
      silent = new gw.Logger(() => () => {});
      utils = await gw.makeWorkerUtils({ connectionString: args.adminUrl, logger: silent });
      await utils.migrate();
      await this.reset();
    },

    async seed({ perTenant }) {
      for (let done = 0; done < perTenant; done += SEED_CHUNK) {
        const n = Math.min(SEED_CHUNK, perTenant - done);
        await utils.addJobs(Array.from({ length: n }, (_, i) => ({ identifier: TASK, payload: { seq: done + i + 1 } })));
      }
      await utils.withPgClient((c) => c.query('ANALYZE graphile_worker._private_jobs'));
    },

    async start({ onHandle }) {
      runner = await gw.run({
        connectionString: settings.workerUrl,
        concurrency: settings.concurrency,
        noHandleSignals: true,
        logger: silent,
        taskList: {
          [TASK]: async (payload, helpers) => {
            onHandle('default', payload, helpers.job.id);
          },
        },
        preset: { worker: { ...VARIANTS[settings.variant] } },
      });
    },

    async stop() {
      if (!runner) return;
      await runner.stop();
      runner = undefined;
    },

    async enqueueOne(_tenant, payload) {
      await utils.addJob(TASK, payload);
    },

    async verify() {
      const { rows } = await utils.withPgClient((c) => c.query('SELECT count(*)::int AS n FROM graphile_worker._private_jobs'));
      return { jobsLeftInDatabase: rows[0].n };
    },

    async reset() {
      await utils.withPgClient((c) => c.query('DELETE FROM graphile_worker._private_jobs'));
    },

    async close() {
      await this.stop();
      if (utils) await utils.release();
    },
  };
}

module.exports = { createAdapter, VARIANTS };
