/**
 * No write of an attempt outside its outcome (PostgreSQL, in process): when an attempt ends for any
 * reason (timeout, shutdown deadline, a handler that returned while its query still ran), nothing it
 * does through ctx.db afterwards commits, on its own or inside another message's transaction.
 * The same rules on both stores at the store level: test/store/transaction-guard-contract.ts.
 */
import type { PoolClient } from 'pg';
import type { Handler } from '../../src/handlers/types';
import type { QueueStore } from '../../src/store/types';
import type { Tenant } from '../../src/tenants/types';
import { adminStore, pgTenant, sql, startTestWorker, waitFor, type TestWorker, useWorkerTestBed } from '../support/worker-fixtures';

const bed = useWorkerTestBed('late_writes');
const { workers: running, adminPools } = bed;

let counter = 0;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function freshTenant(): Promise<{ tenant: Tenant; store: QueueStore; schema: string }> {
  const id = `t${++counter}`;
  const schema = `s_${id}`;
  const tenant = pgTenant(id, bed.db.url, schema);
  const { store, pools } = adminStore(tenant);
  adminPools.push(pools);
  await store.migrate();
  await sql(bed.db.url, `CREATE TABLE "${schema}"."Effects" ("MessageId" uuid PRIMARY KEY, "Note" text)`);
  return { tenant, store, schema };
}

async function effects(schema: string): Promise<Array<{ MessageId: string; Note: string }>> {
  return sql(bed.db.url, `SELECT "MessageId", "Note" FROM "${schema}"."Effects" ORDER BY "Note"`);
}

async function statuses(schema: string): Promise<Record<string, string>> {
  const rows = await sql<{ Id: string; Status: string }>(bed.db.url, `SELECT "Id", "Status" FROM "${schema}"."QueueMessages"`);
  return Object.fromEntries(rows.map((r) => [r.Id, r.Status]));
}

/** Every effect belongs to a Completed message (the exactly-once rule the invariant checker applies). */
async function effectsOutsideCompleted(schema: string): Promise<string[]> {
  const status = await statuses(schema);
  return (await effects(schema))
    .filter((e) => status[e.MessageId] !== 'Completed')
    .map((e) => `${e.MessageId}:${e.Note} (${status[e.MessageId]})`);
}

function worker(tenants: Tenant[], handlers: Handler[], options = {}, poolMax?: number): TestWorker {
  const w = startTestWorker(tenants, handlers, options, undefined, poolMax === undefined ? undefined : { max: poolMax });
  running.push(w);
  return w;
}

test.each([
  ['the default pool', undefined, 3],
  ['db.poolMax 1: the next message reuses the connection', 1, 1],
])('a timed-out handler that ignores ctx.signal cannot write afterwards (%s)', async (_label, poolMax, lates) => {
  const { tenant, store, schema } = await freshTenant();
  const lateErrors: string[] = [];
  const late: Handler = {
    type: 'Late',
    timeoutMs: 300,
    maxAttempts: 1,
    async handle(message, ctx) {
      const client = ctx.db as PoolClient;
      await sleep(700); // ignores ctx.signal
      try {
        await client.query(`INSERT INTO "Effects" ("MessageId", "Note") VALUES ($1, 'late')`, [message.id]);
        lateErrors.push('committed');
      } catch (err) {
        lateErrors.push((err as { code?: string }).code ?? String(err));
      }
    },
  };
  const quick: Handler = {
    type: 'Quick',
    async handle(message, ctx) {
      await sleep(600); // its transaction is open when the late writes happen, on the connection they used
      await (ctx.db as PoolClient).query(`INSERT INTO "Effects" ("MessageId", "Note") VALUES ($1, 'quick')`, [message.id]);
    },
  };
  const lateIds: string[] = [];
  for (let i = 0; i < lates; i++) lateIds.push(await store.enqueue({ tenantId: tenant.id, messageType: 'Late', payload: {} }));
  const quickIds: string[] = [];
  for (let i = 0; i < 3; i++) quickIds.push(await store.enqueue({ tenantId: tenant.id, messageType: 'Quick', payload: {}, delayMs: 350 }));
  worker([tenant], [late, quick], { concurrency: lates + 3 }, poolMax);
  await waitFor(() => lateErrors.length === lates, { what: `the ${lates} late writes` });
  for (const id of [...lateIds, ...quickIds]) {
    await waitFor(async () => ['Completed', 'DeadLetter'].includes((await store.getMessage(id))?.status ?? ''), { what: `${id} final` });
  }
  expect(lateErrors).toEqual(Array.from({ length: lates }, () => 'TQW_TRANSACTION_CLOSED'));
  expect(await effectsOutsideCompleted(schema)).toEqual([]);
  expect((await effects(schema)).map((e) => e.Note)).toEqual(['quick', 'quick', 'quick']);
  for (const id of lateIds) {
    const row = await store.getMessage(id);
    expect(row?.status).toBe('DeadLetter');
    expect(row?.errorMessage).toMatch(/timed out after 300 ms/);
  }
});

test('a handler aborted at the shutdown deadline cannot write afterwards; its message is released', async () => {
  const { tenant, store, schema } = await freshTenant();
  const lateErrors: string[] = [];
  let started = 0;
  // The writes come after stop() returned, so after the drain deadline ended both attempts, however
  // long the second message's transaction took to open (a new connection costs seconds on Babelfish):
  // without the gate, a slow second start let the first handler write while its attempt still ran.
  let stopped: () => void = () => undefined;
  const afterStop = new Promise<void>((resolve) => (stopped = resolve));
  const stubborn: Handler = {
    type: 'Stubborn',
    async handle(message, ctx) {
      started += 1;
      await Promise.all([sleep(1_200), afterStop]); // ignores ctx.signal, outlives the 300 ms drain deadline
      try {
        await (ctx.db as PoolClient).query(`INSERT INTO "Effects" ("MessageId", "Note") VALUES ($1, 'late')`, [message.id]);
        lateErrors.push('committed');
      } catch (err) {
        lateErrors.push((err as { code?: string }).code ?? String(err));
      }
    },
  };
  const ids = await Promise.all([1, 2].map(() => store.enqueue({ tenantId: tenant.id, messageType: 'Stubborn', payload: {} })));
  const w = startTestWorker([tenant], [stubborn], { concurrency: 2, shutdownTimeoutMs: 300 });
  await waitFor(() => started === 2, { what: 'both handlers started' });
  await w.stop();
  expect(lateErrors).toEqual([]);
  stopped();
  await waitFor(() => lateErrors.length === 2, { what: 'the late writes' });
  expect(lateErrors).toEqual(['TQW_TRANSACTION_CLOSED', 'TQW_TRANSACTION_CLOSED']);
  expect(await effects(schema)).toEqual([]);
  for (const id of ids) {
    const row = await store.getMessage(id);
    expect(row?.status).toBe('Pending');
    expect(row?.processingAttempts).toBe(0);
  }
});

test('a handler that returns without awaiting its query: rolled back and retried, its effect committed once by the retry', async () => {
  const { tenant, store, schema } = await freshTenant();
  let attempts = 0;
  const careless: Handler = {
    type: 'Careless',
    backoffBaseMs: 10,
    async handle(message, ctx) {
      attempts += 1;
      const client = ctx.db as PoolClient;
      const insert = client.query(`INSERT INTO "Effects" ("MessageId", "Note") SELECT $1, 'careless' FROM pg_sleep(0.2)`, [message.id]);
      if (message.attempt >= 2)
        await insert; // the second attempt awaits it
      else insert.catch(() => undefined);
    },
  };
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Careless', payload: {} });
  worker([tenant], [careless]);
  const row = await waitFor(
    async () => {
      const r = await store.getMessage(id);
      return r?.status === 'Completed' ? r : undefined;
    },
    { what: 'completed' },
  );
  expect(attempts).toBe(2);
  expect(row.processingAttempts).toBe(2);
  expect(await effects(schema)).toEqual([{ MessageId: id, Note: 'careless' }]);
  const failedLine = running[0]!.logs.find(
    (l) => String(l.msg).includes('attempt failed') && String(l.msg).includes('returned while a query'),
  );
  expect(failedLine).toBeDefined();
});
