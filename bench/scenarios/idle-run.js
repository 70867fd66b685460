'use strict';
/**
 * One idle-cost measurement of the real daemon (`tqw run`, a child process) over `schemas` with empty
 * queues: after `settleS` (start-up polls excluded), for `windowS`: statements the worker role sent
 * (PostgreSQL's own count), CPU seconds and RSS of the process from /proc; then one message is
 * enqueued to a random tenant and its pickup latency is measured.
 */
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { withContender } = require('../lib/contender-process');
const { startTqwDaemon } = require('../lib/tqw-daemon');
const { cpuSeconds, memory } = require('../lib/proc-usage');
const { openProducer } = require('../lib/producer');
const { wallMs, sleep } = require('../lib/clock');
const { urlsFor } = require('./drain-series');

const PICKUP_TIMEOUT_MS = 30_000;

/** Creates (or empties) the QueueMessages tables of `schemas` through tqw's own migration. */
async function prepareTenants(ctx, subject, schemas) {
  await withContender({ contender: 'tqw', ...ctx.runtimes.tqw }, async (proc) => {
    await proc.request('setup', {
      ...urlsFor(ctx, subject),
      schemas,
      variant: 'non-transactional',
      concurrency: ctx.options.sizes.concurrency,
      dialect: subject.dialect,
    });
  });
}

async function idleRun(ctx, subject, { schemas, windowS, settleS }) {
  const { workerUrl, adminUrl } = urlsFor(ctx, subject);
  const dir = mkdtempSync(join(tmpdir(), 'tqw-bench-idle-'));
  const daemon = await startTqwDaemon({ dir, workerUrl, schemas, concurrency: ctx.options.sizes.concurrency });
  const producer = await openProducer({ dialect: subject.dialect, url: adminUrl });
  try {
    await sleep(settleS * 1000);
    const counter = subject.dialect === 'postgres' ? ctx.statementCounter : null;
    if (counter) await counter.start();
    const cpuBefore = cpuSeconds(daemon.pid);
    const started = Date.now();
    await sleep(windowS * 1000);
    const counted = counter ? await counter.stop() : null;
    const seconds = (Date.now() - started) / 1000;
    const cpu = cpuSeconds(daemon.pid) - cpuBefore;
    const mem = memory(daemon.pid);

    const tenant = schemas[Math.floor(Math.random() * schemas.length)];
    const probe = `probe-${Date.now()}`;
    const handled = new Promise((resolve) => daemon.onHandled((m) => m.payload && m.payload.probe === probe && resolve(m.at)));
    const t0 = wallMs();
    await producer.enqueue(tenant, { probe });
    const at = await Promise.race([handled, sleep(PICKUP_TIMEOUT_MS).then(() => null)]);
    return {
      tenants: schemas.length,
      windowS: seconds,
      statements: counted ? counted.statements : null,
      statementsPerS: counted ? counted.statements / seconds : null,
      statementsEvicted: counted ? counted.evicted : null,
      topStatements: counted ? counted.top : null,
      cpuSeconds: cpu,
      cpuPercent: (cpu / seconds) * 100,
      peakRssMb: mem.peakRssMb,
      rssMb: mem.rssMb,
      pickupMs: at === null ? null : at - t0,
      pickupTenant: tenant,
    };
  } finally {
    await producer.close();
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { idleRun, prepareTenants };
