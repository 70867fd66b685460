'use strict';
/**
 * The demo producer: enqueues messages at a steady rate, round-robin over the tenants, in this
 * process (a real application would do the same from its own code, inside its own transaction).
 */
const { setTimeout: sleep } = require('node:timers/promises');
const { performance } = require('node:perf_hooks');

/** Longest pause between two checks of the schedule, so stop() is answered quickly. */
const MAX_IDLE_MS = 100;

/**
 * @param {object} options
 * @param {ReadonlyArray<{ id: string, schema: string | undefined }>} options.tenants
 * @param {Map<string, import('pg').Pool>} options.pools  tenant id -> pool
 * @param {number} options.rate  messages per second over all tenants
 * @param {{ next(tenantId: string): { kind: string, type: string, payload: string } }} options.mix
 * @param {(pool: import('pg').Pool, tenant: object, message: object) => Promise<string>} options.enqueue
 * @returns {{ stats: { sent: Map<string, number>, errors: number, lastError: string | undefined }, stop: () => Promise<void> }}
 */
function startProducer({ tenants, pools, rate, mix, enqueue }) {
  const stats = { sent: new Map(tenants.map((t) => [t.id, 0])), errors: 0, lastError: undefined };
  const startedAt = performance.now();
  let stopped = false;
  let scheduled = 0;
  let turn = 0;

  const loop = (async () => {
    while (!stopped) {
      const due = Math.floor(((performance.now() - startedAt) / 1000) * rate);
      // A stall (a slow database) must not turn into a burst: fall at most one second behind.
      if (due - scheduled > Math.ceil(rate)) scheduled = due - Math.ceil(rate);
      while (!stopped && scheduled < due) {
        scheduled += 1;
        const tenant = tenants[turn++ % tenants.length];
        try {
          await enqueue(pools.get(tenant.id), tenant, mix.next(tenant.id));
          stats.sent.set(tenant.id, stats.sent.get(tenant.id) + 1);
        } catch (err) {
          // Shown in the live view; the producer keeps going (the database may come back).
          stats.errors += 1;
          stats.lastError = `${tenant.id}: ${err instanceof Error ? err.message : String(err)}`;
        }
      }
      const nextDueInMs = ((scheduled + 1) / rate) * 1000 - (performance.now() - startedAt);
      await sleep(Math.min(MAX_IDLE_MS, Math.max(1, nextDueInMs)));
    }
  })();

  return {
    stats,
    /** Stops scheduling and waits for the INSERT in flight, if any. */
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

module.exports = { startProducer };
