/**
 * A process-killing message among many innocent ones, and how fast the messages it strands come
 * back. A handler that calls process.exit(1) is written among INNOCENT good messages; two supervised
 * `tqw run` processes (restarted when they exit) claim them in big batches, so every exit strands
 * what that process held (running and prefetched) until the leases expire. Expired leases are then
 * reclaimed one per claim and each runs alone (the reclaim rule), back to back: the poison message
 * kills a process maxAttempts times and is dead-lettered without running again, while no innocent
 * message is dead-lettered, and the stranded messages come back at hundreds per second.
 */
import { randomUUID } from 'node:crypto';
import { sharedServer } from './support/pg-servers';
import { scale } from './support/mode';
import { Scenario, tenantSpecs } from './support/scenario';
import { workload, type SeedMessage } from './support/seed';
import { writeFigures } from './support/figures';
import { snapshotTenant } from './support/probe';
import { query } from './support/sql';

const INNOCENT = scale(1_000, 5_000);
const MAX_ATTEMPTS = 3;
const LEASE_MS = 2_000;
const TIMEOUT_MS = scale(150_000, 600_000);

let scenario: Scenario;

beforeAll(async () => {
  scenario = await Scenario.create({
    name: 'poison',
    tenants: tenantSpecs(['a'], () => sharedServer(), false),
    workers: 2,
    supervise: true,
    // Big claims and a deep prefetch, so an exit strands many messages at once.
    worker: { maxAttempts: MAX_ATTEMPTS, leaseMs: LEASE_MS, batchSize: 500, concurrency: 8 },
    onCrash: async (instance) => {
      scenario.recordFault('crash', [instance.pid], await scenario.inflightExt());
    },
  });
}, 120_000);

afterAll(async () => {
  await scenario?.cleanup();
}, 60_000);

let figures: Record<string, unknown> = {};

test(
  `a process-killing handler among ${INNOCENT} innocent messages: dead-lettered after ${MAX_ATTEMPTS} exits, no innocent message dead-lettered, stranded messages reclaimed back to back`,
  async () => {
    const fleet = await scenario.startFleet();
    const poison = randomUUID();
    const innocent = (n: number) => workload(n, scenario.rng, { extShare: 0.5, maxSleepMs: 2 });
    // The poison message lands among the innocent ones in claim order (ScheduledTime order).
    const before = await scenario.seed('a', innocent(Math.floor((INNOCENT * 3) / 4)));
    await scenario.seed('a', [{ id: poison, type: 'ExitProcess', payload: '{"n":0}' } satisfies SeedMessage]);
    const after = await scenario.seed('a', innocent(INNOCENT - before.length));
    await scenario.waitSettled(TIMEOUT_MS - 30_000);
    await fleet.settleRestarts();

    const snapshot = await snapshotTenant(scenario.tenant('a'));
    const states = new Map(snapshot.messages.map((m) => [m.id, m]));
    const innocentIds = [...before, ...after];
    const innocentDeadLetters = innocentIds.filter((id) => states.get(id)?.status !== 'Completed');
    expect(innocentDeadLetters.map((id) => `${id}: ${states.get(id)?.status} ${states.get(id)?.error}`)).toEqual([]);
    expect(states.get(poison)).toMatchObject({ status: 'DeadLetter', attempts: MAX_ATTEMPTS + 1 });
    expect(fleet.crashes.length).toBe(MAX_ATTEMPTS);

    // Reclaimed messages: invoked again with a higher attempt number after an exit. They come back in
    // one burst per exit (when the leases it stranded expire); the rate is taken per burst, over the
    // span of its invocations (both processes reclaim, each one message at a time).
    const invocations = await scenario.recorder.invocations();
    const reclaimed = invocations
      .filter((i) => i.attempt >= 2 && i.type !== 'ExitProcess')
      .map((i) => i.at.getTime())
      .sort((x, y) => x - y);
    const bursts: number[][] = [];
    for (const at of reclaimed) {
      const last = bursts[bursts.length - 1];
      if (last && at - last[last.length - 1]! < LEASE_MS / 2) last.push(at);
      else bursts.push([at]);
    }
    const rates = bursts
      .filter((b) => b.length >= 20)
      .map((b) => ({ messages: b.length, perSecond: Math.round(b.length / Math.max(0.001, (b[b.length - 1]! - b[0]!) / 1000)) }));
    const strandedByCrash = reclaimed.length;
    // Innocent attempts counted because of the crashes (their attempt > 1): at most one extra per crash they were held at.
    const maxInnocentAttempts = Math.max(...innocentIds.map((id) => states.get(id)?.attempts ?? 0));
    expect(maxInnocentAttempts).toBeLessThanOrEqual(MAX_ATTEMPTS);
    figures = {
      innocent: INNOCENT,
      crashes: fleet.crashes.length,
      strandedByCrash,
      reclaimBursts: rates,
      maxInnocentAttempts,
      innocentDeadLetters: innocentDeadLetters.length,
    };
    console.log(`poison recovery: ${JSON.stringify(figures)}`);
  },
  TIMEOUT_MS,
);

const STALLED = scale(1_000, 2_000);
let reclaimFigures: Record<string, unknown> = {};

test(
  `kill -9 of a process holding ${STALLED} claimed messages: the other process reclaims them back to back, at hundreds per second`,
  async () => {
    const { fleet } = scenario;
    // One process whose handlers stall on the marked messages (RELIABILITY_STALL), with room for
    // STALLED of them at once: it holds them all (running, their leases kept) when it is killed.
    await fleet.kill9(0);
    await fleet.kill9(1);
    await fleet.startSlot(0, { RELIABILITY_STALL: '1', TQW_CONCURRENCY: String(STALLED) });
    const stalled = await scenario.seed(
      'a',
      Array.from({ length: STALLED }, (_, n) => ({ type: 'RecordExt', payload: JSON.stringify({ n, stallMs: 60_000 }) })),
    );
    const t = scenario.tenant('a');
    let held = 0;
    const deadline = Date.now() + 60_000;
    while (held < STALLED) {
      if (Date.now() > deadline) throw new Error(`the process held only ${held} stalled messages`);
      const rows = await query<{ n: string }>(
        t.adminUrl,
        `SELECT count(*) AS n FROM ${t.queueTable} WHERE "Status" = 'Processing' AND "Id" = ANY($1::uuid[])`,
        [stalled],
      );
      held = Number(rows[0]!.n);
      if (held < STALLED) await new Promise((r) => setTimeout(r, 20));
    }
    const killed = await fleet.kill9(0);
    const stranded = await query<{ Id: string }>(
      t.adminUrl,
      `SELECT "Id" FROM ${t.queueTable} WHERE "Status" = 'Processing' AND "Id" = ANY($1::uuid[])`,
      [stalled],
    );
    scenario.recordFault('kill -9', [killed.pid], await scenario.inflightExt());
    await fleet.startSlot(1);
    await scenario.waitSettled(TIMEOUT_MS / 2);
    const strandedIds = new Set(stranded.map((r) => r.Id));
    const times = (await scenario.recorder.invocations())
      .filter((i) => strandedIds.has(i.messageId) && i.attempt >= 2)
      .map((i) => i.at.getTime())
      .sort((x, y) => x - y);
    expect(times.length).toBe(strandedIds.size);
    const seconds = (times[times.length - 1]! - times[0]!) / 1000;
    reclaimFigures = {
      stranded: strandedIds.size,
      reclaimSeconds: seconds,
      reclaimPerSecond: Math.round(strandedIds.size / Math.max(seconds, 0.001)),
    };
    console.log(`reclaim after kill -9: ${JSON.stringify(reclaimFigures)}`);
  },
  TIMEOUT_MS,
);

test('invariants: every message final, transactional effects exactly once, repeats explained by the exits', async () => {
  const { report, exits } = await scenario.finish();
  expect(report.violations).toEqual([]);
  expect(exits.every((e) => e.code === 0)).toBe(true);
  writeFigures({
    scenario: 'poison-recovery',
    title: 'A process-killing message among innocent ones',
    ...scenario.reportFigures(report),
    processes: 2,
    ...figures,
    reclaimAfterKill: reclaimFigures,
    proved: [
      `1 message whose handler calls process.exit(1) among ${INNOCENT} innocent ones: ${figures.crashes} process exits (maxAttempts ${MAX_ATTEMPTS}), then DeadLetter without running again`,
      `${figures.innocentDeadLetters} innocent message(s) dead-lettered; the most attempts an innocent message needed: ${figures.maxInnocentAttempts}`,
      `${figures.strandedByCrash} messages stranded by the exits were reclaimed one per claim, each run alone, back to back: ${JSON.stringify(figures.reclaimBursts)} (messages and messages/s per burst of at least 20)`,
      `kill -9 of a process holding ${reclaimFigures.stranded} claimed messages: the other process reclaimed them in ${reclaimFigures.reclaimSeconds} s, ${reclaimFigures.reclaimPerSecond} messages/s`,
      `${report.figures.effects} transactional effects, 0 duplicates; ${report.figures.extRepeatedInvocations} repeated non-transactional invocations (at most ${report.figures.inflightAtFaults} in flight at the exits)`,
    ],
  });
}, 60_000);
