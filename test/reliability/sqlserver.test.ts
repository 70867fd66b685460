/**
 * The reliability scenarios on SQL Server (only when MSSQL_URL is set; reported as skipped otherwise).
 * Tenants, logins and GRANTs come from the compose demo's own setup (docker/mssql/*.sql), so the
 * workers run with exactly the SQL Server rights docs/reliability.md documents, plus the handler's own
 * table. Competing workers with kill -9 and restarts, then bad messages; the same invariant checker.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describeIfMssql } from '../support/mssql';
import { tempDir, writeJson } from '../support/processes';
import { WorkerFleet, sleep } from './support/fleet';
import { checkInvariants, type SurvivorMetrics } from './support/invariants';
import { processedTotals } from './support/metrics';
import { scale } from './support/mode';
import {
  createMssqlCluster,
  processingExtMssql,
  seedMssql,
  snapshotMssql,
  unsettledMssql,
  type MssqlCluster,
} from './support/mssql-tenants';
import { createRecorder, type Recorder } from './support/recorder';
import { createRng } from './support/rng';
import { writeWorkerConfig } from './support/scenario';
import { SecretScan } from './support/secrets';
import { workload, type SeedMessage } from './support/seed';
import type { Fault } from './support/invariants';
import { writeFigures } from './support/figures';

const PER_TENANT = scale(500, 5_000);
const KILLS = scale(2, 8);
const MAX_ATTEMPTS = 3;

describeIfMssql('reliability on SQL Server', () => {
  const rng = createRng();
  const secrets = new SecretScan();
  const faults: Fault[] = [];
  let cluster: MssqlCluster;
  let recorder: Recorder;
  let fleet: WorkerFleet;
  const started = Date.now();

  beforeAll(async () => {
    cluster = await createMssqlCluster('mssql', ['a', 'b', 'c']);
    for (const s of cluster.secrets) secrets.addSecret(s);
    recorder = await createRecorder();
    const dir = tempDir('rel-mssql');
    const tenantsFile = writeJson(
      join(dir, 'tenants.json'),
      cluster.tenants.map((t) => ({ id: t.id, connectionString: t.workerConnection })),
    );
    const configFile = join(dir, 'config.json');
    writeWorkerConfig(configFile, tenantsFile, { maxAttempts: MAX_ATTEMPTS });
    fleet = new WorkerFleet({
      configFile,
      env: { RELIABILITY_RECORDER_URL: recorder.url },
      size: 3,
      supervise: false,
      onHttp: (source, body) => secrets.add(source, body),
    });
    await fleet.start();
  }, 300_000);

  afterAll(async () => {
    await fleet?.close();
    await recorder?.drop().catch(() => undefined);
    await cluster?.drop();
  }, 120_000);

  async function waitSettled(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await unsettledMssql(cluster.tenants)) > 0) {
      if (Date.now() > deadline) throw new Error(`messages still not final after ${timeoutMs} ms`);
      await sleep(250);
    }
  }

  test(`competing workers with ${KILLS} kill -9 and restarts: no loss, no double effect`, async () => {
    for (const t of cluster.tenants) await seedMssql(t, workload(PER_TENANT, rng, { extShare: 0.3, maxSleepMs: 30 }));
    for (let k = 0; k < KILLS; k++) {
      await sleep(rng.int(300, 1_500));
      const victim = rng.pick(fleet.live());
      const killed = await fleet.kill9(victim.slot);
      faults.push({ kind: 'kill -9', at: new Date(), pids: [killed.pid], inflightExt: await processingExtMssql(cluster.tenants) });
      await fleet.startSlot(victim.slot);
    }
    await waitSettled(300_000);
  }, 400_000);

  const bad: Record<string, SeedMessage> = {
    notJson: { id: randomUUID(), type: 'RecordTx', payload: '{"n": 1, not JSON' },
    otherTenant: { id: randomUUID(), type: 'RecordTx', payload: '{"n": 2}', tenantId: 'b' },
    hang: { id: randomUUID(), type: 'Hang', payload: '{"n": 4}' },
    nonError: { id: randomUUID(), type: 'ThrowNonError', payload: '{"n": 5}' },
    big: { id: randomUUID(), type: 'RecordTx', payload: JSON.stringify({ n: 6, blob: randomBytes(1_500_000).toString('hex') }) },
  };

  test('bad messages end as the engine issue says, with a clear ErrorMessage', async () => {
    await seedMssql(cluster.tenants[0]!, Object.values(bad));
    await waitSettled(120_000);
    const a = await snapshotMssql(cluster.tenants[0]!);
    const state = (name: string) => a.messages.find((m) => m.id === bad[name]!.id!.toLowerCase())!;
    expect(state('notJson')).toMatchObject({ status: 'DeadLetter', attempts: 1 });
    expect(state('notJson').error).toMatch(/Payload is not valid JSON/);
    expect(state('otherTenant')).toMatchObject({ status: 'DeadLetter', attempts: 1 });
    expect(state('otherTenant').error).toMatch(/security: row TenantId 'b' does not match tenant 'a'/);
    expect(state('hang')).toMatchObject({ status: 'DeadLetter', attempts: MAX_ATTEMPTS });
    expect(state('hang').error).toMatch(/handler timed out after 800 ms/);
    expect(state('nonError')).toMatchObject({ status: 'DeadLetter', attempts: MAX_ATTEMPTS });
    expect(state('nonError').error).toMatch(/non-Error value thrown: \{"code":"E_NOT_AN_ERROR"/);
    expect(state('big')).toMatchObject({ status: 'Completed', attempts: 1 });
    expect(a.effects.find((e) => e.messageId === bad.big!.id!.toLowerCase())?.payloadBytes).toBe(Buffer.byteLength(bad.big!.payload));
  }, 180_000);

  test('invariants: every message final, effects exactly once, repeats explained by the kills, metrics of the survivors', async () => {
    const survivors: SurvivorMetrics[] = [];
    const live = fleet.live();
    for (const instance of live) {
      survivors.push({ pid: instance.pid, label: instance.label, totals: processedTotals((await fleet.get(instance, '/metrics')).body) });
    }
    const exits = await Promise.all(live.map((i) => fleet.terminate(i)));
    const snapshots = await Promise.all(cluster.tenants.map((t) => snapshotMssql(t)));
    const report = checkInvariants({
      tenants: snapshots,
      invocations: (await recorder.invocations()).map((i) => ({ ...i, messageId: i.messageId.toLowerCase() })),
      duplicates: await recorder.duplicates(),
      faults,
      survivors,
      everyProcessSurvived: false,
    });
    for (const o of fleet.outputs()) secrets.add(o.source, o.text);
    for (const s of snapshots) secrets.add(`tenant ${s.tenant} ErrorMessage column`, s.messages.map((m) => m.error ?? '').join('\n'));
    expect(report.violations).toEqual([]);
    expect(exits.map((e) => e.code)).toEqual(live.map(() => 0));
    expect(secrets.leaks()).toEqual([]);
    writeFigures({
      scenario: 'sqlserver',
      title: 'SQL Server (MSSQL_URL)',
      seed: rng.seed,
      secretsScan: { passwords: secrets.secretCount, charactersScanned: secrets.scannedChars },
      seconds: Math.round((Date.now() - started) / 1000),
      messages: report.figures.messages,
      kills: KILLS,
      invariants: report.figures,
      proved: [
        `${report.figures.messages} messages on 3 SQL Server tenants worked by 3 processes as the docker/mssql least-privilege login, ${KILLS} kill -9 with restarts: ${report.figures.effects} effects, 0 duplicates, ${report.figures.extRepeatedInvocations} repeated non-transactional invocations (at most ${report.figures.inflightAtFaults} in flight)`,
        'bad messages (invalid JSON, foreign TenantId, unknown type, hanging handler, non-Error thrower, 3 MB payload) ended as specified',
      ],
    });
  }, 120_000);
});
