/**
 * Database restart mid-run: all 3 tenants live on a PostgreSQL server of the scenario's own, which is
 * stopped (fast shutdown: every session is cut, transactions in flight are rolled back) and started
 * again while 3 `tqw run` processes work, then crashed once (a backend killed with SIGKILL: every
 * session is cut and the write-ahead log not yet written is lost, so claims committed without their
 * own flush, db.asyncClaims, the default, can be undone). Every process recovers by itself: none
 * exits, none is restarted, /readyz stays 200 through the outage (an orchestrator would not restart
 * it), every tenant is back up afterwards, and nothing is lost or applied twice.
 */
import { ControllablePgServer } from '../support/pg-server';
import { controllable, tearDownOnOwnServer } from './support/pg-servers';
import { scale } from './support/mode';
import { Scenario, tenantSpecs } from './support/scenario';
import { workload } from './support/seed';
import { writeFigures } from './support/figures';
import { sleep, type WorkerInstance } from './support/fleet';
import { heldClaims, stillOnClaim, type HeldClaim } from './support/probe';
import type { TenantDb } from './support/tenant-db';

const TENANTS = ['a', 'b', 'c'];
const PER_TENANT = scale(2_000, 8_000);
const RESTARTS = scale(2, 5);
const WORK = { extShare: 0.3, maxSleepMs: 40 };
const TIMEOUT_MS = scale(150_000, 900_000);
/** The goal: every claim held at a restart is settled (or released) within this long of the server's return. */
const SETTLE_WITHIN_MS = 5_000;

let server: ControllablePgServer;
let serverDown = false;
let scenario: Scenario;
/** The figures of the restarts (the SIGTERM test below adds its own and writes them again). */
let restartFigures: (Parameters<typeof writeFigures>[0] & { proved: string[] }) | undefined;

beforeAll(async () => {
  server = await ControllablePgServer.start(`restart-srv-${Math.random().toString(36).slice(2, 12)}`);
  const pg = controllable('restartable', server);
  scenario = await Scenario.create({ name: 'dbrestart', tenants: tenantSpecs(TENANTS, () => pg), workers: 3 });
}, 180_000);

afterAll(() => tearDownOnOwnServer(scenario, server, serverDown), 120_000);

interface Outage {
  stoppedAt: string;
  startedAt: string;
  downMs: number;
  inflightExt: number;
  readyDuringOutage: number[];
  recoveredAfterMs: number;
  /** Claims held when the server stopped, and how long after its return the last of them left that claim. */
  heldAtStop: number;
  settledAfterMs: number;
}

/** Every tenant's claims held now. */
async function snapshotHeld(tenants: readonly TenantDb[]): Promise<Array<{ t: TenantDb; claims: HeldClaim[] }>> {
  return Promise.all(tenants.map(async (t) => ({ t, claims: await heldClaims(t) })));
}

/** Waits until none of `held` is Processing on the same claim any more; returns how long it took. */
async function settled(held: Array<{ t: TenantDb; claims: HeldClaim[] }>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    let left = 0;
    for (const { t, claims } of held) left += (await stillOnClaim(t, claims)).length;
    if (left === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs)
      throw new Error(`${left} claim(s) held at the restart still unsettled ${timeoutMs} ms after the server was back`);
    await sleep(50);
  }
}

test(
  `${RESTARTS} database restarts and a crash under load (3 workers, 3 tenants): every worker recovers by itself, no loss`,
  async () => {
    const fleet = await scenario.startFleet();
    const pids = fleet.live().map((i) => i.pid);
    const { rng } = scenario;
    for (const id of TENANTS) await scenario.seed(id, workload(PER_TENANT, rng, WORK));

    /** After a fault: no process died of it, what was in flight is recorded, every tenant is back up. */
    const afterFault = async (kind: 'database restart' | 'database crash', t0: Date, before: Set<string>) => {
      const t1 = new Date();
      // No process may have died of the outage (the orchestrator would restart it: a crash loop in disguise).
      expect(fleet.crashes.map((c) => `${describeCrash(c)} (seed ${rng.seed})`)).toEqual([]);
      // In flight at the fault: Processing just before it, plus whatever was claimed in the moments the
      // fault took (their invocations were recorded after t0; nothing can be claimed while it is down).
      const invokedDuring = (await scenario.recorder.invocations()).filter((i) => i.type === 'RecordExt' && i.at >= t0 && i.at <= t1);
      const inflight = [...new Set([...before, ...invokedDuring.map((i) => i.messageId)])];
      scenario.recordFault(kind, [], inflight);
      const recovered = Date.now();
      // Every process polls every tenant successfully again, by itself.
      for (const instance of fleet.live()) {
        await waitUntil(
          async () => {
            const health = JSON.parse((await fleet.get(instance, '/healthz')).body) as { tenants: Array<{ state: string }> };
            return health.tenants.length === TENANTS.length && health.tenants.every((t) => t.state === 'up');
          },
          60_000,
          `${instance.label}: every tenant up again`,
        );
      }
      return { inflight: inflight.length, recoveredAfterMs: Date.now() - recovered, t1 };
    };

    const outages: Outage[] = [];
    let seeded = TENANTS.length * PER_TENANT;
    for (let r = 0; r < RESTARTS; r++) {
      await sleep(rng.int(800, 2_000));
      // Restart under load: keep a backlog however fast the fleet is.
      seeded += await scenario.ensureBacklog(PER_TENANT, PER_TENANT / 2, WORK);
      // One outage of each run is longer than the lease (6 s), so leases expire while the database is away.
      const downMs = r === RESTARTS - 1 ? 7_000 : rng.int(1_500, 4_000);
      // t0 before the snapshot: a message claimed between the snapshot and the stop is invoked after t0.
      // (The recorder's clock_timestamp() and Date.now() read the same machine clock; 50 ms of slack.)
      const t0 = new Date(Date.now() - 50);
      const before = new Set(await scenario.inflightExt());
      const held = await snapshotHeld(scenario.tenants);
      serverDown = true;
      await server.stop();
      await sleep(downMs / 2);
      const readyDuringOutage = await Promise.all(fleet.live().map(async (i) => (await fleet.get(i, '/readyz')).status));
      for (const i of fleet.live()) await fleet.get(i, '/healthz');
      await sleep(downMs / 2);
      await server.startAgain();
      serverDown = false;
      // Every claim held at the stop leaves it soon after the return: completed, retried or released
      // by the process that held it (none waits for its lease, unless the outage outlasted the lease).
      const settledAfterMs = await settled(held, 30_000);
      if (downMs < scenario.workerSettings.leaseMs) expect(settledAfterMs).toBeLessThan(SETTLE_WITHIN_MS);
      const { inflight, recoveredAfterMs, t1 } = await afterFault('database restart', t0, before);
      outages.push({
        stoppedAt: t0.toISOString(),
        startedAt: t1.toISOString(),
        downMs,
        inflightExt: inflight,
        readyDuringOutage,
        recoveredAfterMs,
        heldAtStop: held.reduce((n, h) => n + h.claims.length, 0),
        settledAfterMs,
      });
    }
    // A crash under load: claims made without their own log flush in its last moments may be undone
    // (their messages Pending again, the attempt not counted); each must still finish exactly once.
    await sleep(rng.int(800, 2_000));
    seeded += await scenario.ensureBacklog(PER_TENANT, PER_TENANT / 2, WORK);
    const crashT0 = new Date(Date.now() - 50);
    const crashBefore = new Set(await scenario.inflightExt());
    await server.crash();
    const crash = await afterFault('database crash', crashT0, crashBefore);
    await scenario.waitSettled(TIMEOUT_MS - 60_000);
    const { report, exits } = await scenario.finish();

    expect(fleet.crashes.map(describeCrash)).toEqual([]);
    expect(fleet.instances.map((i) => i.pid)).toEqual(pids);
    expect(outages.flatMap((o) => o.readyDuringOutage).every((s) => s === 200)).toBe(true);
    expect(report.violations).toEqual([]);
    expect(report.figures.deadLetterReasons).toEqual({});
    expect(report.figures.byStatus).toEqual({ Completed: seeded });
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
    // A claim the crash undid shows as a message run again with the same attempt number (every claim
    // counts one more attempt, and a restart's fast shutdown loses no commit): a figure, not a check,
    // since whether any claim was still unflushed at the crash is up to timing.
    const runsPerAttempt = new Map<string, number>();
    for (const i of await scenario.recorder.invocations())
      runsPerAttempt.set(`${i.messageId}/${i.attempt}`, (runsPerAttempt.get(`${i.messageId}/${i.attempt}`) ?? 0) + 1);
    const claimsUndone = [...runsPerAttempt.values()].filter((n) => n > 1).length;
    const backUp = fleet.instances.map((i) => i.daemon.lines.filter((l) => l.msg === 'tenant is back up').length);
    expect(backUp.every((n) => n >= TENANTS.length)).toBe(true);

    restartFigures = {
      scenario: 'database-restart',
      title: 'Database restarts and a crash mid-run',
      seed: rng.seed,
      secretsScan: scenario.secretFigures(),
      seconds: scenario.seconds,
      processes: 3,
      tenants: TENANTS.length,
      messages: report.figures.messages,
      databaseRestarts: outages.length,
      databaseCrashes: 1,
      outages,
      crash: { at: crashT0.toISOString(), inflightExt: crash.inflight, recoveredAfterMs: crash.recoveredAfterMs, claimsUndone },
      invariants: report.figures,
      proved: [
        `${outages.length} stop/start of the PostgreSQL server holding all ${TENANTS.length} tenants (down ${outages.map((o) => `${(o.downMs / 1000).toFixed(1)} s`).join(', ')}) under 3 processes: no process exited or was restarted, /readyz stayed 200`,
        `then one crash of that server under load (a backend killed with SIGKILL: every session cut, unwritten log lost, so claims committed without their own flush may be undone: ${claimsUndone} were, seen as a message run again with the same attempt number): no process exited`,
        `every process reported every tenant up again by itself (slowest ${Math.max(crash.recoveredAfterMs, ...outages.map((o) => o.recoveredAfterMs))} ms after the server was back)`,
        `the claims held at each stop (${outages.map((o) => o.heldAtStop).join(', ')}) all left their claim (completed, retried or released by the process holding them) ${outages.map((o) => `${o.settledAfterMs} ms`).join(', ')} after the server was back`,
        `${report.figures.messages} messages all Completed; ${report.figures.effects} transactional effects, 0 duplicates; ${report.figures.extRepeatedInvocations} repeated non-transactional invocations (at most ${report.figures.inflightAtFaults} were in flight at the restarts and the crash)`,
        `the fleet's /metrics totals equal the table`,
      ],
    };
    writeFigures(restartFigures);
  },
  TIMEOUT_MS,
);

test('a restart with the prefetch full, then SIGTERM: every claim settles within seconds, every process exits 0, no row Processing', async () => {
  // Big claims and fast handlers (5 ms, through ctx.db), so each process holds hundreds of claimed
  // messages when the server stops (the prefetch follows the rate).
  const fleet = await scenario.startFleet({ TQW_BATCH_SIZE: '1000', TQW_CONCURRENCY: '32' });
  const { rng } = scenario;
  for (const id of TENANTS) await scenario.seed(id, workload(3_000, rng, { extShare: 0, maxSleepMs: 5 }));
  const restart = async () => {
    serverDown = true;
    await server.stop();
    await sleep(2_000);
    await server.startAgain();
    serverDown = false;
    return Date.now();
  };
  // First restart: how long until every claim held at the stop has left it.
  await sleep(3_000);
  const fullPrefetch = await snapshotHeld(scenario.tenants);
  await restart();
  const settledAfterMs = await settled(fullPrefetch, 30_000);
  expect(settledAfterMs).toBeLessThan(SETTLE_WITHIN_MS);
  // Second restart, then SIGTERM right after the return: the drain writes every held outcome before
  // the processes exit.
  for (const id of TENANTS) await scenario.seed(id, workload(1_500, rng, { extShare: 0, maxSleepMs: 5 }));
  await sleep(1_500);
  const held = await snapshotHeld(scenario.tenants);
  const back = await restart();
  const exits = await Promise.all(fleet.live().map((i) => fleet.terminate(i)));
  expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
  const processing = (await snapshotHeld(scenario.tenants)).reduce((n, h) => n + h.claims.length, 0);
  expect(processing).toBe(0);
  const heldAtStop = fullPrefetch.reduce((n, h) => n + h.claims.length, 0);
  const heldAtSigterm = held.reduce((n, h) => n + h.claims.length, 0);
  const exitedAfterMs = Date.now() - back;
  if (restartFigures) {
    writeFigures({
      ...restartFigures,
      restartWithPrefetchFull: { heldAtStop, settledAfterMs },
      sigtermAfterRestart: { heldAtStop: heldAtSigterm, exitedAfterMs, strandedProcessing: processing },
      proved: [
        ...restartFigures.proved,
        `a restart with the prefetch full (${heldAtStop} claims held by 3 processes, batches of 1,000, 5 ms handlers): every claim settled ${settledAfterMs} ms after the server was back; another restart (${heldAtSigterm} held), then SIGTERM as soon as it was back: all exited 0 within ${exitedAfterMs} ms, ${processing} rows left Processing`,
      ],
    });
  }
  // The messages left Pending/Failed are finished by a new fleet, for the invariant check below.
  await scenario.startFleet();
  await scenario.waitSettled(120_000);
  const { report } = await scenario.finish();
  expect(report.violations).toEqual([]);
}, 180_000);

test('no password appears in any log line, stderr, CLI output, HTTP response or ErrorMessage', () => {
  scenario.collectOutputs();
  expect(scenario.secrets.leaks()).toEqual([]);
  expect(scenario.secrets.scannedChars).toBeGreaterThan(0);
});

/** A crashed process: its exit and its last fatal/error log lines (what a bug report needs). */
function describeCrash(instance: WorkerInstance): string {
  const fatal = instance.daemon.lines.filter((l) => l.level === 'fatal' || Number(l.level) >= 60);
  const last = fatal.length ? fatal.slice(-2) : instance.daemon.lines.slice(-4);
  return `${instance.label} exited with code ${instance.exit?.code} signal ${instance.exit?.signal}; last log lines: ${JSON.stringify(last).slice(0, 2500)}; stderr: ${instance.daemon.stderr.slice(0, 500)}`;
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
