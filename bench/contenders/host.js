'use strict';
/**
 * Child side of a contender process (forked by bench/lib/contender-process.js): loads one adapter
 * (tqw, graphile-worker or pg-boss) and runs the parent's commands against it. The measuring loops
 * live here, once, so every contender is timed by the same code:
 * - drain:   the worker starts on a pre-filled queue; rate = messages / (last handler start - first).
 * - latency: an idle worker; one message at a time; insert -> handler start, per message.
 */
const { wallMs, jitter, sleep } = require('../lib/clock');
const { postgresCpuSnapshot, postgresCpuSeconds, postmasterPid } = require('../lib/proc-usage');

const ADAPTERS = {
  tqw: './tqw-adapter',
  'graphile-worker': './graphile-worker-adapter',
  'pg-boss': './pg-boss-adapter',
};

/** Longest wait for one latency sample before it is counted as missed. */
const SAMPLE_TIMEOUT_MS = 10_000;

const name = process.argv[2];
if (!ADAPTERS[name]) {
  process.stderr.write(`host.js: unknown contender '${name}' (known: ${Object.keys(ADAPTERS).join(', ')})\n`);
  process.exit(2);
}
const adapter = require(ADAPTERS[name]).createAdapter();
/** The bench's PostgreSQL server (set at setup): only its processes' CPU is counted. */
let postmaster;

/** Time-capped drain of everything seeded. */
async function drain({ expected, perTenantExpected, timeLimitMs }) {
  const counts = new Map();
  const finishMs = {};
  const seen = new Set();
  let handled = 0;
  let duplicates = 0;
  let first = null;
  let last = null;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  // CPU between the first and the last handler start: this process (the worker) and PostgreSQL.
  let cpuAtFirst = null;
  let cpuAtLast = null;
  const cpuNow = () => ({ worker: process.cpuUsage(), postgres: postgresCpuSnapshot(postmaster) });
  const onHandle = (tenant, _payload, id) => {
    const now = wallMs();
    if (first === null) {
      first = now;
      cpuAtFirst = cpuNow();
    }
    last = now;
    const key = `${tenant}/${id}`;
    if (seen.has(key)) duplicates += 1;
    else seen.add(key);
    handled += 1;
    const n = (counts.get(tenant) ?? 0) + 1;
    counts.set(tenant, n);
    if (perTenantExpected && n === perTenantExpected) finishMs[tenant] = now;
    if (handled === expected) {
      cpuAtLast = cpuNow();
      resolveDone();
    }
  };
  const startedAt = wallMs();
  await adapter.start({ onHandle });
  const timedOut = await Promise.race([done.then(() => false), sleep(timeLimitMs).then(() => true)]);
  const stoppedAt = wallMs();
  await adapter.stop();
  const windowEnd = timedOut ? stoppedAt : last;
  const elapsedMs = first === null ? null : windowEnd - first;
  for (const tenant of Object.keys(finishMs)) finishMs[tenant] -= first;
  const verified = adapter.verify ? await adapter.verify() : null;
  return {
    cpuUsPerMessage: cpuAtFirst && cpuAtLast && handled > 1 ? cpuPerMessage(cpuAtFirst, cpuAtLast, handled - 1) : undefined,
    expected,
    handled,
    duplicates,
    timedOut,
    startupMs: first === null ? null : first - startedAt,
    elapsedMs,
    ratePerS: elapsedMs ? handled / (elapsedMs / 1000) : null,
    tenantFinishMs: perTenantExpected ? finishMs : undefined,
    verified,
  };
}

/** Microseconds of CPU per message between two readings of cpuNow(): { worker, postgres }. */
function cpuPerMessage(from, to, messages) {
  const workerUs = to.worker.user - from.worker.user + (to.worker.system - from.worker.system);
  return {
    worker: workerUs / messages,
    postgres: from.postgres === null || to.postgres === null ? null : (postgresCpuSeconds(from.postgres, to.postgres) * 1e6) / messages,
  };
}

/** Pickup latency of an idle worker, one message at a time. */
async function latency({ tenants, samples, gapMinMs, gapMaxMs, timeLimitMs, idleMs }) {
  const waiters = new Map();
  const onHandle = (_tenant, payload) => {
    const at = wallMs();
    const waiter = payload && waiters.get(payload.seq);
    if (waiter) waiter(at);
  };
  await adapter.start({ onHandle });
  await sleep(idleMs);
  const latenciesMs = [];
  let missed = 0;
  const deadline = Date.now() + timeLimitMs;
  for (let seq = 1; seq <= samples && Date.now() < deadline; seq++) {
    const tenant = tenants[Math.floor(Math.random() * tenants.length)];
    const picked = new Promise((resolve) => waiters.set(seq, resolve));
    const t0 = wallMs();
    await adapter.enqueueOne(tenant, { seq });
    const at = await Promise.race([picked, sleep(SAMPLE_TIMEOUT_MS).then(() => null)]);
    waiters.delete(seq);
    if (at === null) missed += 1;
    else latenciesMs.push(at - t0);
    await sleep(jitter(gapMinMs, gapMaxMs));
  }
  await adapter.stop();
  return { latenciesMs, missed, requested: samples };
}

const COMMANDS = {
  versions: () => adapter.versions(),
  setup: async (args) => {
    if ((args.dialect ?? 'postgres') === 'postgres') postmaster = await postmasterPid(args.adminUrl);
    return adapter.setup(args);
  },
  seed: (args) => adapter.seed(args),
  reset: () => adapter.reset(),
  drain,
  latency,
  roundTrip: (args) => adapter.roundTrip(args),
  close: async () => {
    await adapter.close();
    setImmediate(() => process.exit(0));
  },
};

process.on('message', async ({ id, cmd, args }) => {
  try {
    const fn = COMMANDS[cmd];
    if (!fn) throw new Error(`unknown command '${cmd}'`);
    const result = await fn(args);
    process.send({ id, ok: true, result: result ?? null });
  } catch (err) {
    process.send({ id, ok: false, error: err && err.stack ? err.stack : String(err) });
  }
});
process.on('disconnect', () => process.exit(0));
