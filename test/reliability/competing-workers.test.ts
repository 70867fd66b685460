/**
 * Competing workers without faults: 4 `tqw run` processes share 3 tenants' queues (one tenant in a
 * schema of its own) under a least-privilege role. Every message is handled exactly once, every
 * process takes part, and the fleet's /metrics equal the tables.
 */
import { sharedServer } from './support/pg-servers';
import { scale } from './support/mode';
import { Scenario, tenantSpecs } from './support/scenario';
import { workload } from './support/seed';
import { writeFigures } from './support/figures';

const TENANTS = ['a', 'b', 'c'];
const PER_TENANT = scale(2_000, 15_000);
const TIMEOUT_MS = scale(150_000, 900_000);

let scenario: Scenario;

beforeAll(async () => {
  scenario = await Scenario.create({ name: 'competing', tenants: tenantSpecs(TENANTS, () => sharedServer()), workers: 4 });
}, 120_000);

afterAll(async () => {
  await scenario?.cleanup();
}, 60_000);

test(
  `4 workers, 3 tenants, ${TENANTS.length * PER_TENANT} messages: each handled exactly once, none lost, metrics equal the tables`,
  async () => {
    await scenario.startFleet();
    const started = Date.now();
    for (const id of TENANTS) await scenario.seed(id, workload(PER_TENANT, scenario.rng, { extShare: 0.25, maxSleepMs: 5 }));
    await scenario.waitSettled(TIMEOUT_MS - 30_000);
    const processingSeconds = (Date.now() - started) / 1000;
    const { report, exits, snapshots } = await scenario.finish();

    expect(report.figures.deadLetterReasons).toEqual({});
    expect(report.violations).toEqual([]);
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0, 0]);
    expect(report.figures.messages).toBe(TENANTS.length * PER_TENANT);
    expect(report.figures.byStatus).toEqual({ Completed: TENANTS.length * PER_TENANT });
    expect(report.figures.extRepeatedInvocations).toBe(0);
    expect(report.figures.duplicateEffects).toBe(0);
    expect(scenario.fleet.crashes).toEqual([]);
    // Competing: every process committed effects (no process sat idle while others worked).
    const pids = new Set(snapshots.flatMap((s) => s.effects.map((e) => e.pid)));
    expect(pids.size).toBe(4);

    writeFigures({
      scenario: 'competing-workers',
      title: 'Competing workers',
      seed: scenario.rng.seed,
      secretsScan: scenario.secretFigures(),
      seconds: scenario.seconds,
      processes: 4,
      tenants: TENANTS.length,
      messages: report.figures.messages,
      processingSeconds,
      invariants: report.figures,
      proved: [
        `${report.figures.messages} messages over ${TENANTS.length} tenants handled by 4 competing processes in ${processingSeconds.toFixed(1)} s: all Completed`,
        `${report.figures.effects} transactional effects for ${report.figures.transactionalCompleted} transactional messages, 0 duplicates; ${report.figures.extInvocations} invocations for ${report.figures.extMessages} non-transactional messages (0 repeated)`,
        `every process took part; the fleet's tqw_messages_processed_total equals the table (${report.figures.processesCheckedAgainstMetrics} processes checked), all exited 0 on SIGTERM`,
      ],
    });
  },
  TIMEOUT_MS,
);

test('no password appears in any log line, stderr, CLI output, HTTP response or ErrorMessage', () => {
  scenario.collectOutputs();
  expect(scenario.secrets.leaks()).toEqual([]);
  expect(scenario.secrets.scannedChars).toBeGreaterThan(0);
});
