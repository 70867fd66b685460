/**
 * Bad messages among good ones, worked by 2 supervised `tqw run` processes (a process that exits is
 * restarted, as an orchestrator does). Each ends as the engine issue says, with a clear ErrorMessage:
 * invalid JSON and another tenant's TenantId are dead-lettered at once; an unknown type, a handler that
 * hangs past its timeout and one that throws a non-Error value are retried and dead-lettered after
 * maxAttempts; a several-MB payload is handled normally; a handler that calls process.exit(1) on every
 * attempt kills the process maxAttempts times and is then dead-lettered without running again (no crash
 * loop). The good messages around them are all completed exactly once.
 */
import { randomUUID } from 'node:crypto';
import { sharedServer } from './support/pg-servers';
import { scale } from './support/mode';
import { Scenario, tenantSpecs } from './support/scenario';
import { workload, type SeedMessage } from './support/seed';
import { writeFigures } from './support/figures';
import { sleep } from './support/fleet';
import { snapshotTenant, type MessageState } from './support/probe';
import { DEFAULT_WORKER_OPTIONS } from '../../src/worker/options';

const MAX_ATTEMPTS = 3;
const LEASE_MS = 3_000;
const GOOD = scale(400, 3_000);
const EXIT_MESSAGES = scale(1, 3);
/** Good messages written together with each process-killing one. */
const COMPANIONS = 10;
/** Over worker.maxPayloadBytes (1 MiB by default): dead-lettered unread. */
const BIG_PAYLOAD_CHARS = 5_000_000;
/** Just under it: handled like any other. */
const LARGE_PAYLOAD_CHARS = DEFAULT_WORKER_OPTIONS.maxPayloadBytes - 100;
const TIMEOUT_MS = scale(150_000, 600_000);

let scenario: Scenario;

beforeAll(async () => {
  scenario = await Scenario.create({
    name: 'badmsg',
    tenants: tenantSpecs(['a', 'b'], () => sharedServer(), false),
    workers: 2,
    supervise: true,
    worker: { maxAttempts: MAX_ATTEMPTS, leaseMs: LEASE_MS, backoffBaseMs: 50, backoffMaxMs: 200 },
    // A process that died: its claims stay Processing until their lease expires, so right after the exit
    // the Processing RecordExt rows are a superset of the invocations it interrupted.
    onCrash: async (instance) => {
      scenario.recordFault('crash', [instance.pid], await scenario.inflightExt());
    },
  });
}, 120_000);

afterAll(async () => {
  await scenario?.cleanup();
}, 60_000);

const bad = {
  notJson: { type: 'RecordTx', payload: '{"n": 1, this is not JSON' },
  big: { type: 'RecordTx', payload: JSON.stringify({ n: 2, blob: 'x'.repeat(BIG_PAYLOAD_CHARS) }) },
  large: { type: 'RecordTx', payload: JSON.stringify({ n: 7, blob: 'x'.repeat(LARGE_PAYLOAD_CHARS) }) },
  otherTenant: { type: 'RecordTx', payload: '{"n": 3}', tenantId: 'b' },
  hang: { type: 'Hang', payload: '{"n": 5}' },
  nonError: { type: 'ThrowNonError', payload: '{"n": 6}' },
} satisfies Record<string, SeedMessage>;
const ids: Record<string, string> = {};
let exitIds: string[] = [];
const companions: string[] = [];
let finalStates = new Map<string, MessageState>();
let crashesAfterExits = 0;

async function statesOf(): Promise<Map<string, MessageState>> {
  const snapshots = await Promise.all(scenario.tenants.map((t) => snapshotTenant(t)));
  return new Map(snapshots.flatMap((s) => s.messages.map((m) => [m.id, m] as const)));
}

test(
  'phase 1: invalid JSON, a foreign TenantId, an unknown type, a hanging handler, a non-Error thrower and a 5 MB payload among good messages',
  async () => {
    await scenario.startFleet();
    const messages: SeedMessage[] = [...workload(GOOD, scenario.rng, { extShare: 0.3, maxSleepMs: 20 })];
    for (const [name, m] of Object.entries(bad)) {
      ids[name] = randomUUID();
      messages.push({ ...m, id: ids[name] });
    }
    // Shuffled, so the bad ones land among the good ones in the claim batches.
    messages.sort(() => scenario.rng.next() - 0.5);
    await scenario.seed('a', messages);
    await scenario.seed('b', workload(100, scenario.rng, { extShare: 0.3, maxSleepMs: 20 }));
    await scenario.waitSettled(TIMEOUT_MS / 3);
    finalStates = await statesOf();
    const good = [...finalStates.values()].filter((m) => !Object.values(ids).includes(m.id));
    expect(good.filter((m) => m.status !== 'Completed')).toEqual([]);
    expect(scenario.fleet.crashes).toEqual([]);
  },
  TIMEOUT_MS / 3 + 10_000,
);

test(
  'phase 2: a handler that calls process.exit(1) on every attempt kills the process maxAttempts times, then is dead-lettered without running again (no crash loop)',
  async () => {
    const { fleet } = scenario;
    exitIds = Array.from({ length: EXIT_MESSAGES }, () => randomUUID());
    // One process-killing message at a time, each written in one INSERT with COMPANIONS good messages
    // (300 ms of work each), so one claim batch takes them together, as a busy queue would.
    for (const [n, id] of exitIds.entries()) {
      const group: SeedMessage[] = [
        { id, type: 'ExitProcess', payload: JSON.stringify({ n }) },
        ...workload(COMPANIONS, scenario.rng, { extShare: 0.3, maxSleepMs: 0 }).map((m) => ({
          ...m,
          payload: JSON.stringify({ n, sleepMs: 300 }),
        })),
      ];
      const seeded = await scenario.seed('a', group);
      companions.push(...seeded.slice(1));
      await scenario.waitSettled(TIMEOUT_MS / 3 / EXIT_MESSAGES);
    }
    // No crash loop: once everything is final, nothing kills a process any more.
    crashesAfterExits = fleet.crashes.length;
    await sleep(2 * LEASE_MS);
    await fleet.settleRestarts();
    expect(fleet.crashes.length).toBe(crashesAfterExits);
    expect(crashesAfterExits).toBe(MAX_ATTEMPTS * EXIT_MESSAGES);
    expect(fleet.crashes.every((c) => c.exit?.code === 1)).toBe(true);

    const states = await statesOf();
    const invocations = await scenario.recorder.invocations();
    for (const id of exitIds) {
      const m = states.get(id)!;
      expect(m).toMatchObject({ status: 'DeadLetter', attempts: MAX_ATTEMPTS + 1 });
      expect(m.error).toMatch(
        new RegExp(
          `^dead-lettered: claimed ${MAX_ATTEMPTS + 1} times, more than maxAttempts ${MAX_ATTEMPTS}; earlier attempts never finished`,
        ),
      );
      expect(invocations.filter((i) => i.messageId === id).map((i) => i.attempt)).toEqual(
        Array.from({ length: MAX_ATTEMPTS }, (_, k) => k + 1),
      );
    }
    finalStates = new Map([...finalStates, ...states]);
  },
  TIMEOUT_MS / 3 + 30_000,
);

test('phase 2: good messages claimed together with the process-killing one are not dead-lettered (they never failed)', () => {
  const collateral = companions.map((id) => finalStates.get(id)!).filter((m) => m.status !== 'Completed');
  expect(collateral.map((m) => `${m.id} ${m.type} ${m.status} attempts ${m.attempts}: ${m.error}`)).toEqual([]);
});

test('invariants: every message final, transactional effects exactly once, repeats explained by the exits, metrics of the survivors', async () => {
  const { report, exits } = await scenario.finish();
  expect(report.violations).toEqual([]);
  expect(exits.every((e) => e.code === 0)).toBe(true);
  const collateral = companions.filter((id) => finalStates.get(id)?.status !== 'Completed').length;
  writeFigures({
    scenario: 'bad-messages',
    title: 'Bad messages',
    seed: scenario.rng.seed,
    secretsScan: scenario.secretFigures(),
    seconds: scenario.seconds,
    processes: 2,
    messages: report.figures.messages,
    crashes: crashesAfterExits,
    restarts: scenario.fleet.instances.length - 2,
    outcomes: Object.fromEntries(
      [...Object.entries(ids), ...exitIds.map((id, i) => [`exitProcess${i + 1}`, id] as const)].map(([name, id]) => {
        const m = finalStates.get(id)!;
        return [name, { status: m.status, attempts: m.attempts, error: m.error?.slice(0, 300) ?? null }];
      }),
    ),
    collateralDeadLetters: collateral,
    invariants: report.figures,
    proved: [
      `invalid JSON -> DeadLetter after 1 attempt; TenantId of another tenant -> DeadLetter after 1 attempt, logged as a security event, never handled`,
      `a handler hanging past its 800 ms timeout, a handler throwing a plain object -> each retried, DeadLetter after ${MAX_ATTEMPTS} attempts with the cause in ErrorMessage`,
      `a ${(BIG_PAYLOAD_CHARS / 1e6).toFixed(0)} MB payload (over worker.maxPayloadBytes) -> DeadLetter after 1 attempt, unread; one just under the limit -> Completed, the handler received all of it`,
      `${EXIT_MESSAGES} message(s) whose handler calls process.exit(1): ${crashesAfterExits} process exits (${MAX_ATTEMPTS} each), then DeadLetter without running again; no exit afterwards (no crash loop)`,
      `${collateral} good message(s) claimed together with the process-killing one were dead-lettered with it${collateral ? ' (FAILED: see the report)' : ''}`,
      `${report.figures.effects} transactional effects, 0 duplicates; ${report.figures.extRepeatedInvocations} repeated non-transactional invocations (at most ${report.figures.inflightAtFaults} in flight at the exits)`,
    ],
  });
}, 60_000);

describe('each bad message', () => {
  const state = (name: string) => {
    const m = finalStates.get(ids[name]!);
    if (!m) throw new Error(`no final state for ${name} (the scenario did not finish)`);
    return m;
  };

  test('a payload that is not JSON is dead-lettered at once', () => {
    expect(state('notJson')).toMatchObject({ status: 'DeadLetter', attempts: 1 });
    expect(state('notJson').error).toMatch(
      /^permanent failure on attempt 1: .*Payload is not valid JSON \(.+\); fix the producer and requeue the message/,
    );
  });

  test(`a payload of ${BIG_PAYLOAD_CHARS / 1e6} MB (over worker.maxPayloadBytes) is dead-lettered at once with the reason, never handled`, async () => {
    expect(state('big')).toMatchObject({ status: 'DeadLetter', attempts: 1 });
    expect(state('big').error).toMatch(
      new RegExp(
        `^permanent failure on attempt 1: PayloadTooLargeError: payload of message type 'RecordTx' is ${Buffer.byteLength(bad.big.payload)} bytes, over the limit of ${DEFAULT_WORKER_OPTIONS.maxPayloadBytes}`,
      ),
    );
    const effects = (await snapshotTenant(scenario.tenant('a'))).effects;
    expect(effects.find((e) => e.messageId === ids.big)).toBeUndefined();
  });

  test('a payload just under the limit is handled normally, and the handler got all of it', async () => {
    expect(state('large')).toMatchObject({ status: 'Completed', attempts: 1 });
    const row = (await snapshotTenant(scenario.tenant('a'))).effects.find((e) => e.messageId === ids.large);
    expect(row?.payloadBytes).toBe(Buffer.byteLength(bad.large.payload));
  });

  test("a row with another tenant's TenantId is never handled: dead-lettered at once and logged as a security event", () => {
    expect(state('otherTenant')).toMatchObject({ status: 'DeadLetter', attempts: 1, rowTenantId: 'b' });
    expect(state('otherTenant').error).toMatch(
      /security: row TenantId 'b' does not match tenant 'a' that owns "QueueMessages"; the message was not handled/,
    );
    const events = scenario.fleets
      .flatMap((f) => f.instances)
      .flatMap((i) => i.daemon.lines)
      .filter((l) => l.securityEvent === 'tenant_mismatch' && l.messageId === ids.otherTenant);
    expect(events.length).toBeGreaterThan(0);
  });

  test('a handler that hangs past its timeout is cut off each attempt and dead-lettered after maxAttempts', () => {
    expect(state('hang')).toMatchObject({ status: 'DeadLetter', attempts: MAX_ATTEMPTS });
    expect(state('hang').error).toMatch(/every attempt failed\); last error: .*handler timed out after 800 ms/);
  });

  test('a handler that throws a non-Error value is retried and dead-lettered with the value in ErrorMessage', () => {
    expect(state('nonError')).toMatchObject({ status: 'DeadLetter', attempts: MAX_ATTEMPTS });
    expect(state('nonError').error).toMatch(
      /last error: non-Error value thrown: \{"code":"E_NOT_AN_ERROR","detail":"a plain object was thrown"\}/,
    );
  });
});

test('no password appears in any log line, stderr, CLI output, HTTP response or ErrorMessage', () => {
  scenario.collectOutputs();
  expect(scenario.secrets.leaks()).toEqual([]);
  expect(scenario.secrets.scannedChars).toBeGreaterThan(0);
});
