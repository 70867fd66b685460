/**
 * Least privilege: `tqw migrate` runs as an administrator; the workers run as a role that holds only
 * what grants/worker-grants.postgres.sql gives it (CONNECT on the tenant database, USAGE on the schema,
 * SELECT/INSERT/UPDATE/DELETE on "QueueMessages", INSERT on the handler's "ReliabilityEffects").
 * Every scenario's workers already run as such a role; here we prove both halves directly:
 * - enough: every queue statement the engine issues works under the role, a real `tqw run` completes
 *   transactional and non-transactional messages with no "permission denied" anywhere in its logs,
 *   and /metrics has its queue depth;
 * - nothing more: the role cannot create, alter, drop or truncate anything, cannot read the
 *   migrations table nor the handler table it only inserts into, cannot create temporary tables,
 *   cannot connect to a database it was not granted, and cannot run `tqw migrate`.
 */
import { join } from 'node:path';
import { Client } from 'pg';
import { StorePools, createStore } from '../../src/store/create-store';
import { runCli, writeJson } from '../support/processes';
import { pgTenant } from '../support/worker-fixtures';
import { sharedServer } from './support/pg-servers';
import { Scenario, tenantSpecs } from './support/scenario';
import { workload } from './support/seed';
import { writeFigures } from './support/figures';
import { WORKER_GRANTS_FILE } from './support/grants';
import { query, quoteIdent } from './support/sql';
import type { TenantDb } from './support/tenant-db';
import { occurrenceId } from '../../src/schedules/occurrence-id';

let scenario: Scenario;
let otherDatabase: string;
const refused: Array<{ statement: string; code: string; message: string }> = [];
const allowed: string[] = [];

beforeAll(async () => {
  scenario = await Scenario.create({
    name: 'leastpriv',
    tenants: tenantSpecs(['a', 'b'], () => sharedServer()),
    workers: 1,
    // Debug level, so even the failures the engine only logs at debug (queue depth refresh) are seen.
    env: { TQW_LOG_LEVEL: 'debug' },
  });
  // A database the role was never granted: CONNECT revoked from PUBLIC, as the grant script does for tenants.
  otherDatabase = `rel_leastpriv_other_${Date.now().toString(36)}`;
  const server = sharedServer();
  await query(server.adminUrl('postgres'), `CREATE DATABASE ${quoteIdent(otherDatabase)}`);
  await query(server.adminUrl('postgres'), `REVOKE ALL ON DATABASE ${quoteIdent(otherDatabase)} FROM PUBLIC`);
}, 120_000);

afterAll(async () => {
  await query(sharedServer().adminUrl('postgres'), `DROP DATABASE IF EXISTS ${quoteIdent(otherDatabase)} WITH (FORCE)`).catch(
    () => undefined,
  );
  await scenario?.cleanup();
}, 60_000);

/** Runs one statement as the worker role in the tenant database; resolves with the error it got, if any. */
async function asWorker(t: TenantDb, statement: string, url = t.workerUrl): Promise<{ code: string; message: string } | undefined> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
    if (t.schema) await client.query(`SET search_path TO ${quoteIdent(t.schema)}`);
    await client.query(statement);
    return undefined;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { code: e.code ?? 'none', message: e.message ?? String(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

test('every queue statement of the engine works as the worker role (both tenants: public schema and own schema)', async () => {
  for (const t of scenario.tenants) {
    const pools = new StorePools();
    const store = createStore(pgTenant(t.id, t.workerUrl, t.schema), pools);
    try {
      const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
        const value = await run();
        allowed.push(`${t.id}: ${name}`);
        return value;
      };
      await step('ping', () => store.ping());
      const first = await step('enqueue', () => store.enqueue({ tenantId: t.id, messageType: 'RecordTx', payload: { n: 1 } }));
      await step('enqueue in a transaction (outbox)', async () => {
        const [claimed] = await store.claim({ limit: 1, leaseMs: 60_000 });
        await store.withClaimTransaction(claimed!, async (tx) => {
          await store.enqueue({ tenantId: t.id, messageType: 'RecordTx', payload: { n: 2 } }, tx);
          expect(await store.complete(claimed!, tx)).toBe(true);
        });
      });
      expect((await store.getMessage(first))?.status).toBe('Completed');
      const [second] = await step('claim', () => store.claim({ limit: 1, leaseMs: 60_000 }));
      const extended = await step('extendLease', () => store.extendLease(second!));
      expect(await step('release', () => store.release(extended!, 'released by the test'))).toBe(true);
      const [again] = await store.claim({ limit: 1, leaseMs: 60_000 });
      expect(await step('retry', () => store.retry(again!, { delayMs: 0, error: 'retry by the test' }))).toBe(true);
      const [third] = await store.claim({ limit: 1, leaseMs: 60_000 });
      expect(await step('deadLetter', () => store.deadLetter(third!, 'dead-lettered by the test'))).toBe(true);
      expect((await step('listDeadLetters', () => store.listDeadLetters(10))).length).toBe(1);
      expect(await step('requeueDeadLetters', () => store.requeueDeadLetters())).toBe(1);
      const [fourth] = await store.claim({ limit: 1, leaseMs: 60_000 });
      expect(await step('completeMany', () => store.completeMany([fourth!]))).toEqual([fourth!.id]);
      await step('stats', () => store.stats());
      await step('depth', () => store.depth());
      // Recurring jobs: the schedule's row in QueueSchedules (SELECT, INSERT, UPDATE) and insert-if-absent.
      const occurrence = (at: string) => ({
        schedule: 'least-privilege',
        occurrence: new Date(at),
        enqueue: true,
        message: { id: occurrenceId('least-privilege', t.id, new Date(at)), tenantId: t.id, messageType: 'NoSuchType', payload: {} },
      });
      const due = occurrence('2026-12-06T03:00:00Z');
      expect(await step('enqueueOccurrence (new schedule)', () => store.enqueueOccurrence(occurrence('2026-12-06T02:00:00Z')))).toBe(
        'first-seen',
      );
      expect(await step('enqueueOccurrence', () => store.enqueueOccurrence(due))).toBe('enqueued');
      expect(await step('enqueueIfAbsent', () => store.enqueueIfAbsent(due.message))).toBe(false);
      expect(await store.deleteMessage(due.message.id, ['Pending'])).toBe(true);
      expect(await step('purge', () => store.purge('Completed', 0, 100))).toBe(2);
    } finally {
      await store.close();
      await pools.closeAll();
    }
  }
});

test('a real tqw run as the worker role completes transactional and non-transactional messages, with no permission error', async () => {
  for (const t of scenario.tenants) await scenario.seed(t.id, workload(200, scenario.rng, { extShare: 0.3, maxSleepMs: 5 }));
  const fleet = await scenario.startFleet();
  await scenario.waitSettled(60_000);
  // Let the queue depth cache refresh under the role (metrics.depthIntervalMs 1000).
  await new Promise((r) => setTimeout(r, 1_500));
  const metrics = (await fleet.get(fleet.at(0), '/metrics')).body;
  for (const t of scenario.tenants) expect(metrics).toMatch(new RegExp(`^tqw_queue_depth\\{tenant="${t.id}",status="Pending"\\} 0$`, 'm'));
  const { report, exits } = await scenario.finish();
  expect(report.violations).toEqual([]);
  expect(report.figures.byStatus).toEqual({ Completed: 400 });
  expect(exits.map((e) => e.code)).toEqual([0]);
  // SQLSTATE 42501 (insufficient_privilege) as a whole token: message ids are hex UUIDs that can contain "42501".
  const denied = fleet.instances
    .flatMap((i) => i.daemon.raw)
    .filter((line) => /permission denied|must be owner|(?<![0-9a-f])42501(?![0-9a-f])/i.test(line));
  expect(denied).toEqual([]);
}, 120_000);

const FORBIDDEN: Array<{ what: string; sql: (t: TenantDb) => string }> = [
  { what: 'CREATE TABLE in the queue schema', sql: () => 'CREATE TABLE "Intruder" (id int)' },
  { what: 'CREATE TEMPORARY TABLE', sql: () => 'CREATE TEMP TABLE intruder (id int)' },
  { what: 'CREATE SCHEMA', sql: () => 'CREATE SCHEMA intruder' },
  { what: 'ALTER TABLE "QueueMessages"', sql: (t) => `ALTER TABLE ${t.queueTable} ADD COLUMN "Intruder" int` },
  { what: 'DROP TABLE "QueueMessages"', sql: (t) => `DROP TABLE ${t.queueTable}` },
  { what: 'TRUNCATE "QueueMessages"', sql: (t) => `TRUNCATE ${t.queueTable}` },
  { what: 'CREATE INDEX on "QueueMessages"', sql: (t) => `CREATE INDEX "IX_Intruder" ON ${t.queueTable} ("CreatedAt")` },
  {
    what: 'CREATE TRIGGER on "QueueMessages"',
    sql: (t) =>
      `CREATE TRIGGER intruder BEFORE INSERT ON ${t.queueTable} FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()`,
  },
  { what: 'SELECT from "QueueMigrations"', sql: (t) => `SELECT * FROM ${t.queueTable.replace('"QueueMessages"', '"QueueMigrations"')}` },
  { what: 'SELECT from the handler table it only inserts into', sql: (t) => `SELECT * FROM ${t.effectsTable}` },
  { what: 'DELETE from the handler table', sql: (t) => `DELETE FROM ${t.effectsTable}` },
  { what: 'UPDATE the handler table', sql: (t) => `UPDATE ${t.effectsTable} SET "Pid" = 0` },
  { what: 'CREATE ROLE', sql: () => 'CREATE ROLE intruder' },
  { what: 'CREATE DATABASE', sql: () => 'CREATE DATABASE intruder' },
];

test.each(FORBIDDEN)('the worker role is refused: $what', async ({ what, sql }) => {
  for (const t of scenario.tenants) {
    const error = await asWorker(t, sql(t));
    expect(error?.code).toBe('42501'); // insufficient_privilege
    refused.push({ statement: `${t.id}: ${what}`, code: error!.code, message: error!.message });
  }
});

test('the worker role cannot connect to a database it was not granted', async () => {
  const t = scenario.tenants[0]!;
  const url = new URL(t.workerUrl);
  url.pathname = `/${otherDatabase}`;
  const error = await asWorker(t, 'SELECT 1', url.toString());
  expect(error?.code).toBe('42501');
  expect(error?.message).toMatch(/permission denied for database/);
  refused.push({ statement: 'connect to another database', code: error!.code, message: error!.message });
});

test("tqw migrate as the worker role fails: migrations are the administrator's job (the setup ran them as the administrator)", async () => {
  const asWorkerConfig = writeJson(join(scenario.dir, 'migrate-as-worker.config.json'), { tenants: { file: scenario.tenantsFile } });
  const env = {
    TQW_CONFIG: '',
    ...Object.fromEntries(scenario.tenants.slice(1).map((t, i) => [`REL_PW_${i + 1}`, new URL(t.workerUrl).password])),
  };
  const result = await runCli(['migrate', '--config', asWorkerConfig], env);
  scenario.secrets.add('tqw migrate (worker role)', result.stdout + result.stderr);
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(/permission denied/);
  refused.push({
    statement: 'tqw migrate',
    code: `exit ${result.code}`,
    message: result.stdout.split('\n').find((l) => /FAILED/.test(l)) ?? '',
  });

  const [{ server_version: version }] = (await query<{ server_version: string }>(scenario.tenants[0]!.adminUrl, 'SHOW server_version')) as [
    { server_version: string },
  ];
  writeFigures({
    scenario: 'least-privilege',
    postgresVersion: version,
    title: 'Least privilege (PostgreSQL)',
    seed: scenario.rng.seed,
    secretsScan: scenario.secretFigures(),
    seconds: scenario.seconds,
    grantsFile: WORKER_GRANTS_FILE,
    allowed,
    refused,
    proved: [
      `as the worker role, ${allowed.length} store operations succeeded on 2 tenants (public schema and own schema): ${[...new Set(allowed.map((a) => a.replace(/^\w+: /, '')))].join(', ')}`,
      `a real tqw run as the worker role completed 400 messages (transactional and not) with no permission error at debug level, and reported queue depth`,
      `refused (SQLSTATE 42501): ${[...new Set(refused.map((r) => r.statement.replace(/^\w+: /, '')))].join('; ')}`,
    ],
  });
});

test('no password appears in any log line, stderr, CLI output, HTTP response or ErrorMessage', () => {
  scenario.collectOutputs();
  expect(scenario.secrets.leaks()).toEqual([]);
  expect(scenario.secrets.scannedChars).toBeGreaterThan(0);
});
