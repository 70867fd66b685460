/**
 * No write of an attempt outside its outcome, on SQL Server (in process, MSSQL_URL): the cases of
 * late-writes.test.ts (PostgreSQL) through an mssql.Transaction. When an attempt ends (timeout,
 * shutdown deadline, a handler that returned while its query still ran), nothing it does through
 * ctx.db afterwards commits, on its own or inside another message's transaction.
 */
import mssql from 'mssql';
import type { Handler } from '../../src/handlers/types';
import type { StorePools } from '../../src/store/create-store';
import type { QueueStore } from '../../src/store/types';
import type { Tenant } from '../../src/tenants/types';
import { createTestMssqlDatabase, describeIfMssql, sqlServerTenant, withSqlServerPool, type TestMssqlDatabase } from '../support/mssql';
import { adminStore, startTestWorker, waitFor, type TestWorker } from '../support/worker-fixtures';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describeIfMssql('late writes on SQL Server', () => {
  const dbs: TestMssqlDatabase[] = [];
  let counter = 0;
  const running: TestWorker[] = [];
  const adminPools: StorePools[] = [];

  afterEach(async () => {
    await Promise.all(running.splice(0).map((w) => w.stop()));
    await Promise.all(adminPools.splice(0).map((p) => p.closeAll()));
  });
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  }, 60_000);

  const admin = <T>(text: string): Promise<T[]> =>
    withSqlServerPool(
      dbs[dbs.length - 1]!.connectionString,
      'late writes test',
      1,
      async (pool) => ((await pool.request().query<T>(text)).recordset ?? []) as T[],
    );

  /** One database (and its Effects table) per test, so the tests cannot see each other's rows. */
  async function freshTenant(): Promise<{ tenant: Tenant; store: QueueStore; schema: string }> {
    const db = await createTestMssqlDatabase(`late_writes${++counter}`);
    dbs.push(db);
    const schema = 'dbo';
    const tenant = sqlServerTenant(`t${counter}`, db.connectionString, schema);
    const { store, pools } = adminStore(tenant);
    adminPools.push(pools);
    await store.migrate();
    await admin(`CREATE TABLE ${schema}.Effects (MessageId UNIQUEIDENTIFIER NOT NULL PRIMARY KEY, Note NVARCHAR(20) NOT NULL)`);
    return { tenant, store, schema };
  }

  const insert = (tx: unknown, schema: string, id: string, note: string) =>
    (tx as mssql.Transaction)
      .request()
      .input('id', mssql.UniqueIdentifier, id)
      .input('note', mssql.NVarChar(20), note)
      .query(`INSERT INTO ${schema}.Effects (MessageId, Note) VALUES (@id, @note)`);

  async function effects(schema: string): Promise<Array<{ MessageId: string; Note: string }>> {
    const rows = await admin<{ MessageId: string; Note: string }>(`SELECT MessageId, Note FROM ${schema}.Effects ORDER BY Note`);
    return rows.map((r) => ({ MessageId: r.MessageId.toLowerCase(), Note: r.Note }));
  }

  /** Every effect belongs to a Completed message (the exactly-once rule the invariant checker applies). */
  async function effectsOutsideCompleted(schema: string): Promise<string[]> {
    const rows = await admin<{ Id: string; Status: string }>(`SELECT Id, Status FROM ${schema}.QueueMessages`);
    const status = Object.fromEntries(rows.map((r) => [r.Id.toLowerCase(), r.Status]));
    return (await effects(schema))
      .filter((e) => status[e.MessageId] !== 'Completed')
      .map((e) => `${e.MessageId}:${e.Note} (${status[e.MessageId]})`);
  }

  function worker(tenants: Tenant[], handlers: Handler[], options = {}, poolMax?: number): TestWorker {
    const w = startTestWorker(tenants, handlers, options, undefined, poolMax === undefined ? undefined : { max: poolMax });
    running.push(w);
    return w;
  }

  const final = (store: QueueStore, id: string) =>
    waitFor(async () => ['Completed', 'DeadLetter'].includes((await store.getMessage(id))?.status ?? ''), {
      timeoutMs: 30_000,
      what: `${id} final`,
    });

  test.each([
    ['the default pool', undefined, 3],
    ['db.poolMax 1: the next message reuses the connection', 1, 1],
  ])(
    'a timed-out handler that ignores ctx.signal cannot write afterwards (%s)',
    async (_label, poolMax, lates) => {
      const { tenant, store, schema } = await freshTenant();
      const lateErrors: string[] = [];
      const late: Handler = {
        type: 'Late',
        timeoutMs: 500,
        maxAttempts: 1,
        async handle(message, ctx) {
          await sleep(1_200); // ignores ctx.signal
          try {
            await insert(ctx.db, schema, message.id, 'late');
            lateErrors.push('committed');
          } catch (err) {
            lateErrors.push((err as { code?: string }).code ?? String(err));
          }
        },
      };
      const quick: Handler = {
        type: 'Quick',
        async handle(message, ctx) {
          await sleep(1_000); // its transaction is open when the late writes happen, on the connection they used
          await insert(ctx.db, schema, message.id, 'quick');
        },
      };
      const lateIds: string[] = [];
      for (let i = 0; i < lates; i++) lateIds.push(await store.enqueue({ tenantId: tenant.id, messageType: 'Late', payload: {} }));
      const quickIds: string[] = [];
      for (let i = 0; i < 3; i++)
        quickIds.push(await store.enqueue({ tenantId: tenant.id, messageType: 'Quick', payload: {}, delayMs: 600 }));
      worker([tenant], [late, quick], { concurrency: lates + 3 }, poolMax);
      await waitFor(() => lateErrors.length === lates, { timeoutMs: 30_000, what: `the ${lates} late writes` });
      for (const id of [...lateIds, ...quickIds]) await final(store, id);
      expect(lateErrors).toEqual(Array.from({ length: lates }, () => 'TQW_TRANSACTION_CLOSED'));
      expect(await effectsOutsideCompleted(schema)).toEqual([]);
      expect((await effects(schema)).map((e) => e.Note)).toEqual(['quick', 'quick', 'quick']);
      for (const id of lateIds) {
        const row = await store.getMessage(id);
        expect(row?.status).toBe('DeadLetter');
        expect(row?.errorMessage).toMatch(/timed out after 500 ms/);
      }
    },
    90_000,
  );

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
        await Promise.all([sleep(1_500), afterStop]); // ignores ctx.signal, outlives the 300 ms drain deadline
        try {
          await insert(ctx.db, schema, message.id, 'late');
          lateErrors.push('committed');
        } catch (err) {
          lateErrors.push((err as { code?: string }).code ?? String(err));
        }
      },
    };
    const ids = await Promise.all([1, 2].map(() => store.enqueue({ tenantId: tenant.id, messageType: 'Stubborn', payload: {} })));
    const w = startTestWorker([tenant], [stubborn], { concurrency: 2, shutdownTimeoutMs: 300 });
    await waitFor(() => started === 2, { timeoutMs: 30_000, what: 'both handlers started' });
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
  }, 90_000);

  test('a handler that returns without awaiting its query: rolled back and retried, its effect committed once by the retry', async () => {
    const { tenant, store, schema } = await freshTenant();
    let attempts = 0;
    const careless: Handler = {
      type: 'Careless',
      backoffBaseMs: 10,
      async handle(message, ctx) {
        attempts += 1;
        // Returns before the INSERT's round trip can have ended (no WAITFOR on Babelfish: none needed).
        const pending = insert(ctx.db, schema, message.id, 'careless');
        if (message.attempt >= 2)
          await pending; // the second attempt awaits it
        else pending.catch(() => undefined);
      },
    };
    const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Careless', payload: {} });
    worker([tenant], [careless]);
    const row = await waitFor(
      async () => {
        const r = await store.getMessage(id);
        return r?.status === 'Completed' ? r : undefined;
      },
      { timeoutMs: 30_000, what: 'completed' },
    );
    expect(attempts).toBe(2);
    expect(row.processingAttempts).toBe(2);
    expect(await effects(schema)).toEqual([{ MessageId: id.toLowerCase(), Note: 'careless' }]);
    const failedLine = running[0]!.logs.find(
      (l) => String(l.msg).includes('attempt failed') && String(l.msg).includes('returned while a query'),
    );
    expect(failedLine).toBeDefined();
  }, 90_000);
});
