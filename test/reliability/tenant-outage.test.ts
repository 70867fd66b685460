/**
 * One tenant's database unreachable: tenants a and b live on the shared server, tenant c on a server of
 * its own. Runs of a+b work are timed with c healthy (idle) and with c's server stopped, alternately;
 * the other tenants' throughput with the fault must stay within 20% of the throughput without it (the
 * best run of each kind is compared, so a noisy neighbour on a 2-core machine slowing one run does not
 * decide). c catches up once its server is back. Then c's password is made wrong by a tenants-file
 * edit: a and b keep working, c's messages wait untouched, and c catches up when the file is fixed.
 * On a shared 2-core machine one run can be slowed by a neighbour: when the best fault run misses 80%
 * of the best baseline run, more pairs are timed (up to MAX_PAIRS). A down tenant that really slows the
 * others makes every fault run slow, so it still fails.
 */
import { ControllablePgServer } from '../support/pg-server';
import { controllable, tearDownOnOwnServer, sharedServer } from './support/pg-servers';
import { scale } from './support/mode';
import { Scenario, tenantSpecs } from './support/scenario';
import { workload } from './support/seed';
import { writeFigures } from './support/figures';
import { waitForTenantState } from './support/health';
import { query } from './support/sql';
import type { TenantDb } from './support/tenant-db';

const PER_TENANT_RUN = scale(3_000, 10_000);
const PAIRS = scale(2, 3);
/** More pairs are timed only while the ratio misses, so a noisy neighbour cannot fail the test alone. */
const MAX_PAIRS = scale(5, 6);
const BACKLOG = scale(300, 2_000);
const TIMEOUT_MS = scale(200_000, 1_200_000);

let server: ControllablePgServer;
let serverDown = false;
let scenario: Scenario;

beforeAll(async () => {
  server = await ControllablePgServer.start(`outage-srv-${Math.random().toString(36).slice(2, 12)}`);
  const own = controllable('tenant-c-server', server);
  scenario = await Scenario.create({
    name: 'outage',
    tenants: tenantSpecs(['a', 'b', 'c'], (id) => (id === 'c' ? own : sharedServer())),
    workers: 2,
  });
}, 180_000);

afterAll(() => tearDownOnOwnServer(scenario, server, serverDown), 120_000);

interface Run {
  kind: 'baseline' | 'c down';
  messages: number;
  seconds: number;
  perSecond: number;
}

/** Seeds PER_TENANT_RUN RecordTx messages into a and b and times them, by the database clock. */
async function timedRun(kind: Run['kind']): Promise<Run> {
  const [a, b] = [scenario.tenant('a'), scenario.tenant('b')];
  const [{ t0 }] = (await query<{ t0: Date }>(a.adminUrl, 'SELECT clock_timestamp() AS t0')) as [{ t0: Date }];
  for (const t of [a, b]) await scenario.seed(t.id, workload(PER_TENANT_RUN, scenario.rng, { extShare: 0, maxSleepMs: 4 }));
  await scenario.waitSettled(120_000, [a, b]);
  let messages = 0;
  let last = t0.getTime();
  for (const t of [a, b]) {
    const [row] = await query<{ n: string; last: Date }>(
      t.adminUrl,
      `SELECT count(*) AS n, max("At") AS last FROM ${t.effectsTable} WHERE "At" >= $1`,
      [t0],
    );
    messages += Number(row!.n);
    last = Math.max(last, row!.last.getTime());
  }
  const seconds = (last - t0.getTime()) / 1000;
  return { kind, messages, seconds, perSecond: messages / seconds };
}

/** Waits until at least `n` of the messages `ids` of tenant t are Processing. */
async function waitForTenantInflight(t: TenantDb, ids: string[], n: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [row] = await query<{ n: string }>(
      t.adminUrl,
      `SELECT count(*) AS n FROM ${t.queueTable} WHERE "Id" = ANY($1::uuid[]) AND "Status" = 'Processing'`,
      [ids],
    );
    if (Number(row!.n) >= n) return;
    if (Date.now() > deadline) throw new Error(`fewer than ${n} of tenant ${t.id}'s messages in flight after 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function catchUp(c: TenantDb): Promise<number> {
  const started = Date.now();
  await scenario.waitSettled(120_000, [c]);
  return Date.now() - started;
}

const runs: Run[] = [];
const catchUpMs: number[] = [];
let ratio = Number.NaN;
let wrongPassword: { run: Run; catchUpMs: number; lastError: string } | undefined;
const best = (kind: Run['kind']) => Math.max(...runs.filter((r) => r.kind === kind).map((r) => r.perSecond));

test(
  "c's server stopped: tenants a and b keep >= 80% of their throughput; c catches up when it returns",
  async () => {
    const fleet = await scenario.startFleet();
    const c = scenario.tenant('c');
    // Warm-up (not counted): connection pools, prepared statements and the JIT are cold in a new process.
    await timedRun('baseline');
    for (let pair = 0; pair < PAIRS || (pair < MAX_PAIRS && best('c down') < 0.8 * best('baseline')); pair++) {
      runs.push(await timedRun('baseline'));
      // c gets a backlog that becomes due while its server is down.
      await scenario.seed('c', workload(BACKLOG, scenario.rng, { extShare: 0.3, maxSleepMs: 4 }), 1_500);
      scenario.recordFault('tenant outage', [], await scenario.inflightExt([c]));
      serverDown = true;
      await server.stop();
      await waitForTenantState(fleet, 'c', 'down');
      runs.push(await timedRun('c down'));
      // c was down the whole run, and no process was taken out of service for it.
      const during = await waitForTenantState(fleet, 'c', 'down', 1_000);
      expect(during.every((h) => h.consecutiveFailures > 0)).toBe(true);
      for (const instance of fleet.live()) expect((await fleet.get(instance, '/readyz')).status).toBe(200);
      await server.startAgain();
      serverDown = false;
      catchUpMs.push(await catchUp(c));
    }
    ratio = best('c down') / best('baseline');
    expect(ratio).toBeGreaterThanOrEqual(0.8);
    expect(fleet.crashes).toEqual([]);
  },
  // The throughput pairs repeat (up to MAX_PAIRS) while the ratio is noisy, e.g. beside another test file.
  TIMEOUT_MS,
);

test(
  "c's password made wrong by a tenants-file edit: c goes down, a and b keep working, c's messages wait; c catches up when the file is fixed",
  async () => {
    const { fleet } = scenario;
    const c = scenario.tenant('c');
    const wrong = `wrong-${Math.random().toString(36).slice(2, 12)}`;
    scenario.secrets.addSecret(wrong);
    try {
      // The edit lands while c is busy (handlers in flight in every process), as a password change in
      // production usually does: the old connection drains its messages, the new password takes over.
      const busy = await scenario.seed(
        'c',
        workload(32, scenario.rng, { extShare: 0, maxSleepMs: 0 }).map((m) => ({
          ...m,
          payload: JSON.stringify({ n: 0, sleepMs: 2_500 }),
        })),
      );
      await waitForTenantInflight(c, busy, 8);
      scenario.writeTenantsFile((t, url) => (t.id === 'c' ? url.replace(/:[^:@/]*@/, `:${wrong}@`) : url));
      const down = await waitForTenantState(fleet, 'c', 'down', 30_000);
      expect(down.every((h) => /password authentication failed/.test(h.lastError ?? ''))).toBe(true);
      const waiting = await scenario.seed('c', workload(BACKLOG, scenario.rng, { extShare: 0.3, maxSleepMs: 4 }));
      const run = await timedRun('c down');
      const [untouched] = await query<{ n: string }>(
        c.adminUrl,
        `SELECT count(*) AS n FROM ${c.queueTable} WHERE "Id" = ANY($1::uuid[]) AND "Status" = 'Pending' AND "ProcessingAttempts" = 0`,
        [waiting],
      );
      expect(Number(untouched!.n)).toBe(BACKLOG);
      scenario.writeTenantsFile();
      await waitForTenantState(fleet, 'c', 'up', 30_000);
      wrongPassword = { run, catchUpMs: await catchUp(c), lastError: down[0]!.lastError ?? '' };
    } finally {
      scenario.writeTenantsFile();
    }
  },
  TIMEOUT_MS / 4,
);

test(
  'invariants: every message Completed once, metrics equal the table, every process exits 0',
  async () => {
    await scenario.waitSettled(TIMEOUT_MS / 4 - 20_000);
    const { report, exits } = await scenario.finish();
    expect(report.violations).toEqual([]);
    expect(report.figures.deadLetterReasons).toEqual({});
    expect(scenario.fleet.crashes).toEqual([]);
    expect(exits.map((e) => e.code)).toEqual([0, 0]);

    writeFigures({
      scenario: 'tenant-outage',
      title: "One tenant's database unreachable",
      seed: scenario.rng.seed,
      secretsScan: scenario.secretFigures(),
      seconds: scenario.seconds,
      processes: 2,
      tenants: 3,
      messages: report.figures.messages,
      tenantOutages: catchUpMs.length + (wrongPassword ? 1 : 0),
      runs,
      bestBaselinePerSecond: Math.round(best('baseline')),
      bestFaultPerSecond: Math.round(best('c down')),
      ratio: Math.round(ratio * 1000) / 1000,
      catchUpMs,
      wrongPassword,
      invariants: report.figures,
      proved: [
        `tenants a+b: best ${Math.round(best('baseline'))} msg/s with c healthy vs ${Math.round(best('c down'))} msg/s with c's server stopped (ratio ${ratio.toFixed(2)}, required >= 0.80; ${runs.length} timed runs of ${2 * PER_TENANT_RUN} messages)`,
        `c was reported down (the process was not: /readyz stayed 200) and caught up its backlog of ${BACKLOG} after each restart (${catchUpMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')})`,
        wrongPassword
          ? `wrong password by a tenants-file edit: c down ('password authentication failed'), a+b ran at ${Math.round(wrongPassword.run.perSecond)} msg/s, c's ${BACKLOG} messages untouched (Pending, 0 attempts), caught up in ${(wrongPassword.catchUpMs / 1000).toFixed(1)} s after the fix`
          : 'wrong password by a tenants-file edit: FAILED (see the test output)',
        `${report.figures.messages} messages all Completed, 0 duplicate effects, /metrics totals equal the table`,
      ],
    });
  },
  TIMEOUT_MS / 4,
);

test('no password (nor the wrong one) appears in any log line, stderr, CLI output, HTTP response or ErrorMessage', () => {
  scenario.collectOutputs();
  expect(scenario.secrets.leaks()).toEqual([]);
  expect(scenario.secrets.scannedChars).toBeGreaterThan(0);
});
