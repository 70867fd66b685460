/**
 * kill -9: 4 `tqw run` processes work 3 tenants' queues while random processes are SIGKILLed at random
 * moments (also processes that were themselves restarted after an earlier kill) and restarted after a
 * random pause. Nothing is lost (claims of the dead processes are reclaimed when their lease expires),
 * no transactional effect is applied twice, non-transactional handlers run again only for messages that
 * were in flight in a killed process, and every process that lived to the end reports in /metrics
 * exactly what it completed.
 */
import { sharedServer } from './support/pg-servers';
import { scale } from './support/mode';
import { Scenario, tenantSpecs } from './support/scenario';
import { workload } from './support/seed';
import { writeFigures } from './support/figures';
import { sleep } from './support/fleet';

const TENANTS = ['a', 'b', 'c'];
const PER_TENANT = scale(2_000, 10_000);
const KILLS = scale(5, 16);
const TIMEOUT_MS = scale(150_000, 1_200_000);
const WORK = { extShare: 0.3, maxSleepMs: 40 };

let scenario: Scenario;

beforeAll(async () => {
  scenario = await Scenario.create({ name: 'kill9', tenants: tenantSpecs(TENANTS, () => sharedServer()), workers: 4 });
}, 120_000);

afterAll(async () => {
  await scenario?.cleanup();
}, 60_000);

test(
  `${KILLS} random kill -9 with restarts of 4 workers under load (3 tenants): no loss, no double effect`,
  async () => {
    const fleet = await scenario.startFleet();
    const { rng } = scenario;
    for (const id of TENANTS) await scenario.seed(id, workload(PER_TENANT, rng, WORK));
    let seeded = TENANTS.length * PER_TENANT;

    const restarts: Array<Promise<unknown>> = [];
    const kills: Array<{ label: string; generation: number; inflightExt: number; afterMs: number }> = [];
    for (let k = 0; k < KILLS; k++) {
      const pause = rng.next() < 0.2 ? rng.int(20, 150) : rng.int(300, 1_500);
      await sleep(pause);
      // Kill under load: keep a backlog however fast the fleet is.
      seeded += await scenario.ensureBacklog(PER_TENANT, PER_TENANT / 2, WORK);
      const live = fleet.live();
      if (live.length === 0) {
        await Promise.all(restarts);
        continue;
      }
      // From the second half on, prefer a process that was itself restarted after a kill.
      const restarted = live.filter((i) => i.generation > 0);
      const victim = k >= KILLS / 2 && restarted.length > 0 ? rng.pick(restarted) : rng.pick(live);
      const killed = await fleet.kill9(victim.slot);
      // Right after the kill its claims are still Processing (they wait for their lease): a superset
      // of the non-transactional invocations it interrupted.
      const inflight = await scenario.inflightExt();
      scenario.recordFault('kill -9', [killed.pid], inflight);
      kills.push({
        label: killed.label,
        generation: killed.generation,
        inflightExt: inflight.length,
        afterMs: Date.now() - killed.startedAt,
      });
      // Restart at once or after a while, as an orchestrator would.
      const restartAfter = rng.next() < 0.5 ? 0 : rng.int(200, 2_000);
      restarts.push(sleep(restartAfter).then(() => fleet.startSlot(victim.slot)));
    }
    await Promise.all(restarts);
    await scenario.waitSettled(TIMEOUT_MS - 60_000);
    const { report, exits } = await scenario.finish();

    expect(report.violations).toEqual([]);
    expect(report.figures.deadLetterReasons).toEqual({});
    expect(report.figures.byStatus).toEqual({ Completed: seeded });
    expect(kills.length).toBe(KILLS);
    expect(kills.some((k) => k.generation > 0)).toBe(true);
    expect(fleet.crashes).toEqual([]);
    expect(exits.every((e) => e.code === 0)).toBe(true);
    expect(report.figures.duplicateEffects).toBe(0);
    expect(report.figures.processesCheckedAgainstMetrics).toBe(4);

    writeFigures({
      scenario: 'kill-nine',
      title: 'kill -9 at random moments, with restarts',
      seed: rng.seed,
      secretsScan: scenario.secretFigures(),
      seconds: scenario.seconds,
      processes: 4,
      tenants: TENANTS.length,
      messages: report.figures.messages,
      kills: kills.length,
      killsOfRestartedProcesses: kills.filter((k) => k.generation > 0).length,
      restarts: fleet.instances.length - 4,
      killLog: kills,
      invariants: report.figures,
      proved: [
        `${kills.length} kill -9 (${kills.filter((k) => k.generation > 0).length} of them of a process restarted after an earlier kill), ${fleet.instances.length - 4} restarts, ${report.figures.messages} messages: all Completed, none lost`,
        `${report.figures.effects} transactional effects for ${report.figures.transactionalCompleted} transactional messages: 0 duplicates`,
        `${report.figures.extRepeatedInvocations} repeated non-transactional invocations, each of a message in flight at a kill (at most ${report.figures.inflightAtFaults} were)`,
        `the ${report.figures.processesCheckedAgainstMetrics} processes alive at the end each reported in /metrics exactly the messages they completed`,
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
