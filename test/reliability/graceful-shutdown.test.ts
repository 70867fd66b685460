/**
 * Graceful shutdown under load: SIGTERM to every process at once (a scale-down to zero, so "nothing in
 * Processing" afterwards is exact) while many handlers are in flight.
 * A. Handlers that finish inside the drain deadline: every process exits 0 inside the deadline, every
 *    in-flight message is Completed, none is left Processing, none is run twice.
 * B. Handlers that outlast the deadline (they honour ctx.signal): at the deadline they are aborted and
 *    their messages released (Pending, the attempt not counted, a clear ErrorMessage); every process
 *    still exits 0 inside the deadline plus the release grace; a new fleet then completes them.
 */
import { sharedServer } from './support/pg-servers';
import { scale } from './support/mode';
import { Scenario, tenantSpecs } from './support/scenario';
import { workload, type SeedMessage } from './support/seed';
import { writeFigures } from './support/figures';
import { sleep, type WorkerFleet } from './support/fleet';
import { tenantHealth } from './support/health';
import { countByStatus } from './support/probe';
import { query } from './support/sql';

const TENANTS = ['a', 'b', 'c'];
const SHUTDOWN_TIMEOUT_MS = 4_000;
/** The engine's bound on releasing aborted messages after the deadline (RELEASE_GRACE_MS in worker.ts). */
const RELEASE_GRACE_MS = 5_000;
/** Process teardown after the drain (closing pools and the HTTP server, exiting). */
const TEARDOWN_MS = 1_500;
const ROUNDS = scale(1, 3);
const TIMEOUT_MS = scale(150_000, 600_000);

let scenario: Scenario;

beforeAll(async () => {
  scenario = await Scenario.create({
    name: 'shutdown',
    tenants: tenantSpecs(TENANTS, () => sharedServer()),
    workers: 2,
    worker: { concurrency: 24, batchSize: 24, shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS },
    // A transactional handler holds its connection while it works: as many connections as handlers, so
    // no handler waits for one (waiting would make "finishes inside the deadline" depend on the pool).
    poolMax: 24,
  });
}, 120_000);

afterAll(async () => {
  await scenario?.cleanup();
}, 60_000);

interface Stop {
  round: number;
  kind: 'finish in time' | 'outlast deadline';
  inflightAtSigterm: number;
  exitCodes: Array<number | null>;
  exitMs: number[];
  processingAfter: number;
  released: number;
}
const stops: Stop[] = [];

/** Waits until the fleet has at least `n` handlers running (sum of /healthz inflight). */
async function waitInflight(fleet: WorkerFleet, n: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    let total = 0;
    for (const instance of fleet.live()) total += (await tenantHealth(fleet, instance)).reduce((sum, t) => sum + t.inflight, 0);
    if (total >= n) return total;
    if (Date.now() > deadline) throw new Error(`only ${total} handlers in flight after 30 s, wanted ${n}`);
    await sleep(50);
  }
}

async function waitFor(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function processingIds(): Promise<string[]> {
  const ids: string[] = [];
  for (const t of scenario.tenants)
    ids.push(
      ...(await query<{ Id: string }>(t.adminUrl, `SELECT "Id" FROM ${t.queueTable} WHERE "Status" = 'Processing'`)).map((r) => r.Id),
    );
  return ids;
}

async function processingCount(): Promise<number> {
  let n = 0;
  for (const t of scenario.tenants) n += (await countByStatus(t)).Processing ?? 0;
  return n;
}

/** SIGTERMs every live process at once; returns each exit. */
async function sigtermAll(fleet: WorkerFleet) {
  return Promise.all(fleet.live().map((i) => fleet.terminate(i)));
}

function slow(count: number, minMs: number, maxMs: number): SeedMessage[] {
  return workload(count, scenario.rng, { extShare: 0.3, maxSleepMs: maxMs - minMs }).map((m) => {
    const payload = JSON.parse(m.payload) as { n: number; sleepMs: number };
    return { ...m, payload: JSON.stringify({ ...payload, sleepMs: payload.sleepMs + minMs }) };
  });
}

test(
  `SIGTERM with many handlers in flight: exit 0 inside the deadline, nothing stranded in Processing (${ROUNDS} round(s) of each kind)`,
  async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      // A. Handlers of 0.3-2 s: they all finish inside the 4 s deadline.
      let fleet = await scenario.startFleet();
      for (const id of TENANTS) await scenario.seed(id, slow(60, 300, 2_000));
      const inflightA = await waitInflight(fleet, 30);
      const beforeA = await processingIds();
      const exitsA = await sigtermAll(fleet);
      const afterA = await processingCount();
      const completedA = await statusOf(beforeA);
      const releasedA = await releasedOf(beforeA);
      stops.push({
        round,
        kind: 'finish in time',
        inflightAtSigterm: inflightA,
        exitCodes: exitsA.map((e) => e.code),
        exitMs: exitsA.map((e) => e.ms),
        processingAfter: afterA,
        released: releasedA.length,
      });
      expect(exitsA.map((e) => e.code)).toEqual([0, 0]);
      for (const e of exitsA) expect(e.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + TEARDOWN_MS);
      expect(afterA).toBe(0);
      // Every message claimed at SIGTERM either finished (Completed) or, if it had not started yet (claimed
      // ahead into the prefetch buffer), was released at once with the attempt not counted.
      expect((completedA.Completed ?? 0) + releasedA.length).toBe(beforeA.length);
      expect(completedA.Completed ?? 0).toBeGreaterThan(0);
      expect(releasedA.every((r) => r.ProcessingAttempts === 0 && /^released: /.test(r.ErrorMessage ?? ''))).toBe(true);
      // None of those released had started: no handler that could finish in time was cut short.
      const invoked = new Set((await scenario.recorder.invocations()).map((i) => i.messageId));
      expect(releasedA.filter((r) => invoked.has(r.Id))).toEqual([]);
      expect(
        fleet.instances.some((i) =>
          i.daemon.lines.some((l) => l.msg === 'drain deadline passed: aborting in-flight handlers and releasing their messages'),
        ),
      ).toBe(false);

      // B. Handlers of 30 s: aborted at the deadline and released.
      fleet = await scenario.startFleet();
      const long: string[] = [];
      for (const id of TENANTS) long.push(...(await scenario.seed(id, slow(20, 30_000, 30_000))));
      // Wait for the long handlers themselves (the new fleet first finishes what A left Pending).
      await waitFor(async () => (await statusOf(long)).Processing! >= 40, 'at least 40 of the 30 s handlers in flight');
      const inflightB = await waitInflight(fleet, 40);
      const beforeB = (await processingIds()).filter((id) => long.includes(id));
      const exitsB = await sigtermAll(fleet);
      const afterB = await processingCount();
      const released = await releasedOf(beforeB);
      // The non-transactional handlers interrupted at the deadline will run again: that is this fault's in-flight set.
      scenario.recordFault(
        'shutdown deadline',
        fleet.instances.map((i) => i.pid),
        await releasedExtIds(),
      );
      stops.push({
        round,
        kind: 'outlast deadline',
        inflightAtSigterm: inflightB,
        exitCodes: exitsB.map((e) => e.code),
        exitMs: exitsB.map((e) => e.ms),
        processingAfter: afterB,
        released: released.length,
      });
      expect(exitsB.map((e) => e.code)).toEqual([0, 0]);
      for (const e of exitsB) expect(e.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + RELEASE_GRACE_MS + TEARDOWN_MS);
      expect(afterB).toBe(0);
      // Released: back to Pending, the attempt not counted, and the row says why.
      expect(released.length).toBe(beforeB.length);
      expect(released.every((r) => r.ProcessingAttempts === 0 && /^released: /.test(r.ErrorMessage ?? ''))).toBe(true);
      expect(
        fleet.instances.some((i) =>
          i.daemon.lines.some((l) => l.msg === 'drain deadline passed: aborting in-flight handlers and releasing their messages'),
        ),
      ).toBe(true);

      // A new fleet (its handlers' work capped to 0) completes what was released.
      fleet = await scenario.startFleet({ RELIABILITY_MAX_SLEEP_MS: '0' });
      await scenario.waitSettled(120_000);
      if (round < ROUNDS) expect((await sigtermAll(fleet)).map((e) => e.code)).toEqual([0, 0]);
    }
    await scenario.waitSettled(120_000);
  },
  TIMEOUT_MS,
);

test('invariants: every message Completed once, no repeated invocation beyond the released ones, metrics equal the table', async () => {
  const { report, exits } = await scenario.finish();
  expect(report.violations).toEqual([]);
  expect(report.figures.deadLetterReasons).toEqual({});
  expect(exits.every((e) => e.code === 0)).toBe(true);
  writeFigures({
    scenario: 'graceful-shutdown',
    title: 'Graceful shutdown under load',
    seed: scenario.rng.seed,
    secretsScan: scenario.secretFigures(),
    seconds: scenario.seconds,
    processes: 2,
    tenants: TENANTS.length,
    messages: report.figures.messages,
    shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
    sigterms: stops.length * 2,
    stops,
    invariants: report.figures,
    proved: [
      ...stops.map(
        (s) =>
          `round ${s.round}, handlers that ${s.kind === 'finish in time' ? 'finish inside' : 'outlast'} the ${SHUTDOWN_TIMEOUT_MS} ms deadline: SIGTERM with ${s.inflightAtSigterm} in flight, exit codes ${s.exitCodes.join(',')} after ${s.exitMs.join(' / ')} ms, ${s.processingAfter} left Processing${s.kind === 'outlast deadline' ? `, ${s.released} released (Pending, attempt not counted)` : `, every started handler completed (${s.released} claimed-ahead, not started, released)`}`,
      ),
      `${report.figures.messages} messages all Completed in the end; ${report.figures.extRepeatedInvocations} repeated non-transactional invocations, all of released messages (at most ${report.figures.inflightAtFaults})`,
    ],
  });
}, 60_000);

test('no password appears in any log line, stderr, CLI output, HTTP response or ErrorMessage', () => {
  scenario.collectOutputs();
  expect(scenario.secrets.leaks()).toEqual([]);
  expect(scenario.secrets.scannedChars).toBeGreaterThan(0);
});

async function statusOf(ids: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of scenario.tenants) {
    const rows = await query<{ Status: string; n: string }>(
      t.adminUrl,
      `SELECT "Status", count(*) AS n FROM ${t.queueTable} WHERE "Id" = ANY($1::uuid[]) GROUP BY "Status"`,
      [ids],
    );
    for (const r of rows) counts[r.Status] = (counts[r.Status] ?? 0) + Number(r.n);
  }
  return counts;
}

async function releasedExtIds(): Promise<string[]> {
  const ids: string[] = [];
  for (const t of scenario.tenants) {
    const rows = await query<{ Id: string }>(
      t.adminUrl,
      `SELECT "Id" FROM ${t.queueTable} WHERE "Status" = 'Pending' AND "MessageType" = 'RecordExt' AND "ErrorMessage" LIKE 'released:%'`,
    );
    ids.push(...rows.map((r) => r.Id));
  }
  return ids;
}

async function releasedOf(ids: string[]): Promise<Array<{ Id: string; ProcessingAttempts: number; ErrorMessage: string | null }>> {
  const rows: Array<{ Id: string; ProcessingAttempts: number; ErrorMessage: string | null }> = [];
  for (const t of scenario.tenants) {
    rows.push(
      ...(await query<{ Id: string; ProcessingAttempts: number; ErrorMessage: string | null }>(
        t.adminUrl,
        `SELECT "Id", "ProcessingAttempts", "ErrorMessage" FROM ${t.queueTable} WHERE "Id" = ANY($1::uuid[]) AND "Status" = 'Pending'`,
        [ids],
      )),
    );
  }
  return rows;
}
