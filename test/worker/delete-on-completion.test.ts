/**
 * retention.deleteOnCompletion at the worker level: a worker whose stores delete on completion
 * drains transactional and non-transactional messages and leaves no rows behind, while a failing
 * message is still retried (its transaction's rollback brings the row back) and a poison message
 * still ends as a kept DeadLetter. Then the same through the daemon (`run()`), with the option set
 * by its environment variable, so the config -> StorePools -> store plumbing is covered too.
 * Real PostgreSQL, real stores, real worker.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { PoolClient } from 'pg';
import { snooze } from '../../src/handlers/snooze';
import type { Handler } from '../../src/handlers/types';
import { run } from '../../src/run';
import { StorePools, createStore } from '../../src/store/create-store';
import { DEFAULT_POOL_OPTIONS, DEFAULT_STORE_OPTIONS, type QueueStore } from '../../src/store/types';
import type { Tenant } from '../../src/tenants/types';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { adminStore, pgTenant, sql, startTestWorker, waitFor, type TestWorker } from '../support/worker-fixtures';

let db: TestDatabase;
const running: TestWorker[] = [];
const poolSets: StorePools[] = [];
let counter = 0;

beforeAll(async () => {
  db = await createTestDatabase('delcomp');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop()));
  await Promise.all(poolSets.splice(0).map((p) => p.closeAll()));
});
afterAll(async () => {
  await db.drop();
});

/** A migrated tenant schema with an Effects table (one row per committed transactional effect). */
async function freshTenant(): Promise<{ tenant: Tenant; store: QueueStore }> {
  const id = `d${++counter}`;
  const tenant = pgTenant(id, db.url, `s_${id}`);
  const { store, pools } = adminStore(tenant);
  poolSets.push(pools);
  await store.migrate();
  await sql(db.url, `CREATE TABLE "s_${id}"."Effects" ("MessageId" uuid PRIMARY KEY)`);
  return { tenant, store };
}

/** A test worker whose stores are opened through pools that carry deleteOnCompletion. */
function startDeletingWorker(tenant: Tenant, handlers: Handler[]): TestWorker {
  const deleting = new StorePools(DEFAULT_POOL_OPTIONS, undefined, { ...DEFAULT_STORE_OPTIONS, deleteOnCompletion: true });
  poolSets.push(deleting);
  const w = startTestWorker([tenant], handlers, { maxAttempts: 2, backoffBaseMs: 20, backoffMaxMs: 50 }, (unused, t) => {
    void unused.close(); // never used: opened lazily, so it holds no connection
    return createStore(t, deleting);
  });
  running.push(w);
  return w;
}

async function rows(
  tenant: Tenant,
): Promise<Array<{ Id: string; Status: string; ProcessingAttempts: number; ErrorMessage: string | null }>> {
  return sql(db.url, `SELECT "Id", "Status", "ProcessingAttempts", "ErrorMessage" FROM "${tenant.schema}"."QueueMessages"`);
}

async function effects(tenant: Tenant): Promise<string[]> {
  const r = await sql<{ MessageId: string }>(db.url, `SELECT "MessageId" FROM "${tenant.schema}"."Effects"`);
  return r.map((e) => e.MessageId).sort();
}

test('transactional and non-transactional messages are deleted as they complete; a retried one is retried, a poison one is kept as DeadLetter', async () => {
  const { tenant, store } = await freshTenant();
  const n = 150;
  const enqueue = (messageType: string) => store.enqueue({ tenantId: tenant.id, messageType, payload: {} });
  const tx: string[] = [];
  const plain: string[] = [];
  for (let i = 0; i < n; i++) {
    tx.push(await enqueue('Tx'));
    plain.push(await enqueue('Plain'));
  }
  const flaky = await enqueue('Flaky');
  const poison = await enqueue('Poison');

  const plainSeen = new Set<string>();
  const flakyAttempts: number[] = [];
  const writeEffect = (ctx: { db: unknown }, id: string) =>
    (ctx.db as PoolClient).query(`INSERT INTO "${tenant.schema}"."Effects" ("MessageId") VALUES ($1)`, [id]);
  startDeletingWorker(tenant, [
    { type: 'Tx', handle: (m, ctx) => writeEffect(ctx, m.id).then(() => undefined) },
    {
      type: 'Plain',
      transactional: false,
      handle: (m) => {
        plainSeen.add(m.id);
      },
    },
    {
      // Writes its effect, then fails on the first attempt: the rollback must take the effect away
      // and bring the deleted row back, so the failure is recorded and the second attempt runs.
      type: 'Flaky',
      handle: async (m, ctx) => {
        flakyAttempts.push(m.attempt);
        await writeEffect(ctx, m.id);
        if (m.attempt === 1) throw new Error('first attempt fails');
      },
    },
    {
      type: 'Poison',
      handle: () => {
        throw new Error('always fails');
      },
    },
  ]);

  await waitFor(
    async () => {
      const now = await rows(tenant);
      return now.length === 1 && now[0]!.Status === 'DeadLetter';
    },
    { what: 'every message deleted but the dead letter' },
  );
  const left = await rows(tenant);
  expect(left).toEqual([
    { Id: poison, Status: 'DeadLetter', ProcessingAttempts: 2, ErrorMessage: expect.stringContaining('always fails') },
  ]);
  expect(await effects(tenant)).toEqual([...tx, flaky].sort());
  expect(flakyAttempts).toEqual([1, 2]);
  expect([...plainSeen].sort()).toEqual([...plain].sort());
  expect((await store.stats()).counts).toEqual({ Pending: 0, Processing: 0, Completed: 0, Failed: 0, DeadLetter: 1 });
});

test('a transactional snooze rolls back the opening DELETE: the row comes back, snoozed, and is deleted when it completes', async () => {
  const { tenant, store } = await freshTenant();
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Later', payload: {} });
  const calls: number[] = [];
  startDeletingWorker(tenant, [
    {
      type: 'Later',
      handle: async (m, ctx) => {
        await (ctx.db as PoolClient).query(`INSERT INTO "${tenant.schema}"."Effects" ("MessageId") VALUES ($1)`, [m.id]);
        calls.push(m.attempt);
        if (calls.length === 1) return snooze(0);
      },
    },
  ]);
  await waitFor(async () => calls.length === 2 && (await rows(tenant)).length === 0, { what: 'the snoozed message deleted on completion' });
  expect(calls).toEqual([1, 1]);
  expect(await effects(tenant)).toEqual([id]);
});

test('the daemon deletes on completion when TQW_RETENTION_DELETE_ON_COMPLETION=true (config -> pools -> store)', async () => {
  const { tenant, store } = await freshTenant();
  const dir = mkdtempSync(join(tmpdir(), 'tqw-delcomp-'));
  const handlersDir = join(dir, 'handlers');
  mkdirSync(handlersDir);
  writeFileSync(
    join(handlersDir, 'work.cjs'),
    `module.exports = {
  type: 'Work',
  async handle(message, ctx) {
    await ctx.db.query('INSERT INTO "Effects" ("MessageId") VALUES ($1)', [message.id]);
  },
};
`,
  );
  const tenantsFile = join(dir, 'tenants.json');
  writeFileSync(tenantsFile, JSON.stringify([{ id: tenant.id, connectionString: db.url, schema: tenant.schema }]));
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      tenants: { file: tenantsFile, watch: false },
      handlers: { dir: handlersDir },
      http: { host: '127.0.0.1', port: 0 },
      worker: { pollMinMs: 20, pollMaxMs: 100 },
    }),
  );
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push(await store.enqueue({ tenantId: tenant.id, messageType: 'Work', payload: {} }));

  const daemon = await run({
    configFile,
    env: { TQW_RETENTION_DELETE_ON_COMPLETION: 'true' },
    cwd: dir,
    logger: pino({ level: 'silent' }),
  });
  try {
    await waitFor(async () => (await effects(tenant)).length === ids.length, { what: 'every message handled' });
    await waitFor(async () => (await rows(tenant)).length === 0, { what: 'every row deleted' });
    expect(await effects(tenant)).toEqual([...ids].sort());
  } finally {
    await daemon.stop();
  }
});
