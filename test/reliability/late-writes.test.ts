/**
 * No write of an attempt outside its outcome, across processes: 2 `tqw run` processes work good
 * messages mixed with handlers that write through ctx.db after their attempt ended (LateWrite: after
 * its 500 ms timeout; then after the shutdown deadline of a SIGTERM) and one that returns without
 * awaiting its INSERT (Unawaited). The late writes are refused, the unawaited attempt is rolled back
 * and retried, and the invariant checker finds no effect outside a Completed message: in particular
 * none of a late write, on its own connection or inside another message's transaction.
 */
import { sharedServer } from './support/pg-servers';
import { scale } from './support/mode';
import { Scenario, tenantSpecs } from './support/scenario';
import { workload, type SeedMessage } from './support/seed';
import { writeFigures } from './support/figures';
import { snapshotTenant } from './support/probe';

const GOOD = scale(300, 3_000);
const LATE = scale(20, 100);
const UNAWAITED = scale(20, 100);
const MAX_ATTEMPTS = 2;
const TIMEOUT_MS = scale(120_000, 600_000);

let scenario: Scenario;

beforeAll(async () => {
  scenario = await Scenario.create({
    name: 'latewrites',
    tenants: tenantSpecs(['a', 'b'], () => sharedServer()),
    workers: 2,
    // Small pools, so a late write would find its connection reused by another message.
    poolMax: 2,
    worker: { maxAttempts: MAX_ATTEMPTS, shutdownTimeoutMs: 200 },
  });
}, 120_000);

afterAll(async () => {
  await scenario?.cleanup();
}, 60_000);

const lateWrites = (n: number, lateMs: number): SeedMessage[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'LateWrite', payload: JSON.stringify({ n: i, lateMs }) }));
const unawaited = (n: number): SeedMessage[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'Unawaited', payload: JSON.stringify({ n: i }) }));
const figures: Record<string, unknown> = {};

test(
  `late writes after a timeout and an unawaited query among ${GOOD} good messages per tenant: refused / rolled back, nothing outside its outcome`,
  async () => {
    await scenario.startFleet();
    for (const t of ['a', 'b']) {
      const mixed = [
        ...workload(GOOD, scenario.rng, { extShare: 0.2, maxSleepMs: 5 }),
        ...lateWrites(LATE, 1_500),
        ...unawaited(UNAWAITED),
      ];
      mixed.sort(() => scenario.rng.next() - 0.5);
      await scenario.seed(t, mixed);
    }
    await scenario.waitSettled(TIMEOUT_MS / 2);
    // The late writes were tried (recorded after each was refused): every attempt whose handler started
    // (an attempt that timed out waiting for one of the 2 connections never calls it).
    await new Promise((r) => setTimeout(r, 2_000));
    const tried = await scenario.recorder.lateWrites();
    expect(tried.length).toBeGreaterThanOrEqual(LATE);
    expect(tried.filter((w) => w.outcome !== 'TQW_TRANSACTION_CLOSED')).toEqual([]);
    const states = (await Promise.all(scenario.tenants.map((t) => snapshotTenant(t)))).flatMap((s) => s.messages);
    const late = states.filter((m) => m.type === 'LateWrite');
    expect(late.filter((m) => m.status !== 'DeadLetter' || !/handler timed out after 500 ms/.test(m.error ?? ''))).toEqual([]);
    const una = states.filter((m) => m.type === 'Unawaited');
    expect(una.filter((m) => m.status !== 'Completed' || m.attempts !== 2)).toEqual([]);
    figures.afterTimeout = { lateWriteMessages: late.length, lateWritesRefused: tried.length, unawaitedCompletedOnAttempt2: una.length };
  },
  TIMEOUT_MS / 2 + 10_000,
);

test(
  'SIGTERM with LateWrite handlers running past the drain deadline: their messages are released, not failed, and none of their effects is committed',
  async () => {
    const fleet = scenario.fleet;
    const ids = await scenario.seed('a', lateWrites(LATE, 1_000));
    // Wait until they run, then SIGTERM both processes: the 200 ms drain deadline passes while they sleep.
    const t = scenario.tenant('a');
    for (const deadline = Date.now() + 30_000; ;) {
      const rows = (await snapshotTenant(t)).messages.filter((m) => ids.includes(m.id) && m.status === 'Processing');
      if (rows.length >= 4) break;
      if (Date.now() > deadline) throw new Error('the LateWrite messages did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    const exits = await Promise.all(fleet.live().map((i) => fleet.terminate(i)));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    // The processes exit once everything was released, before these handlers' late writes come due
    // (the refusal itself at the shutdown deadline is shown in process: test/worker/late-writes.test.ts).
    const released = (await snapshotTenant(t)).messages.filter((m) => ids.includes(m.id) && m.status === 'Pending');
    expect(released.length).toBeGreaterThan(0);
    expect((await snapshotTenant(t)).effects.filter((e) => ids.includes(e.messageId))).toEqual([]);
    figures.afterShutdownDeadline = { released: released.length };
    // A new fleet finishes them (they time out and are dead-lettered like the others).
    await scenario.startFleet();
    await scenario.waitSettled(TIMEOUT_MS / 4);
  },
  TIMEOUT_MS / 2,
);

test('invariants: every message final, effects exactly once and only for Completed messages, metrics of the survivors', async () => {
  const { report, exits } = await scenario.finish();
  expect(report.violations).toEqual([]);
  expect(exits.every((e) => e.code === 0)).toBe(true);
  writeFigures({
    scenario: 'late-writes',
    title: 'Writes after an attempt ended',
    ...scenario.reportFigures(report),
    processes: 2,
    ...figures,
    proved: [
      `${2 * LATE} LateWrite messages (a write through ctx.db 1.5 s into an attempt with a 500 ms timeout, pools of 2 connections): ${JSON.stringify(figures.afterTimeout)}; every late write refused (TQW_TRANSACTION_CLOSED), every message dead-lettered "timed out", 0 of their effects committed`,
      `${2 * UNAWAITED} Unawaited messages (attempt 1 returns while its INSERT runs): attempt 1 rolled back, attempt 2 Completed with exactly one effect`,
      `SIGTERM with LateWrite handlers running past the 200 ms drain deadline: messages released (${JSON.stringify(figures.afterShutdownDeadline)}), 0 effects, both processes exit 0`,
      `${report.figures.effects} effects in all, each of a Completed RecordTx or Unawaited message; 0 duplicates`,
    ],
  });
}, 60_000);
