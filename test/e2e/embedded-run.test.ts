/**
 * The embedding API: run({ handlers }) starts the daemon in process with handler objects instead of
 * a handlers directory (as graphile-worker's run({ taskList })), typed per store with
 * definePostgresHandler / defineSqlServerHandler; a handler for one store leaves another store's
 * messages alone, saying why. On PostgreSQL always, on SQL Server when MSSQL_URL is set.
 */
import { join } from 'node:path';
import { definePostgresHandler, defineSqlServerHandler, run } from '../../src';
import { createTestMssqlDatabase, mssqlUrl, sqlServerTenant } from '../support/mssql';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { freePort, tempDir, writeJson } from '../support/processes';
import { LogCapture, adminStore, pgTenant, waitFor } from '../support/worker-fixtures';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('embedded');
});
afterAll(async () => {
  await db.drop();
});

test("run({ handlers }) runs handler objects; ctx.db is typed as the store's transaction; a handler for the other store does not run", async () => {
  const tenant = pgTenant('acme', db.url, 'acme');
  const admin = adminStore(tenant);
  await admin.store.migrate();
  const touched: string[] = [];
  const touch = definePostgresHandler<{ n: number }>({
    type: 'Touch',
    async handle(message, ctx) {
      // ctx.db is a PoolClient here, no cast: its query() is typed.
      const { rows } = await ctx.db.query<{ one: number }>('SELECT 1 AS one');
      touched.push(`${message.payload.n}:${rows[0]!.one}`);
    },
  });
  const elsewhere = defineSqlServerHandler({ type: 'OnlySqlServer', maxAttempts: 1, handle: (_m, ctx) => void ctx.db.request() });
  const dir = tempDir('embedded');
  const configFile = writeJson(join(dir, 'config.json'), {
    tenants: { file: writeJson(join(dir, 'tenants.json'), [{ id: 'acme', connectionString: db.url, schema: 'acme' }]) },
    http: { host: '127.0.0.1', port: await freePort() },
    worker: { pollMinMs: 20, pollMaxMs: 100 },
  });
  const logs = new LogCapture('info');
  const daemon = await run({ configFile, env: {}, logger: logs.logger, handlers: [touch, elsewhere] });
  try {
    await admin.store.enqueue({ tenantId: 'acme', messageType: 'Touch', payload: { n: 7 } });
    const other = await admin.store.enqueue({ tenantId: 'acme', messageType: 'OnlySqlServer', payload: {} });
    await waitFor(() => touched.length === 1, { what: 'the Touch handler' });
    expect(touched).toEqual(['7:1']);
    // Routing by type: no handler serves OnlySqlServer on a PostgreSQL tenant, so the message is never
    // claimed here; it stays Pending, no attempt counted, for a worker that serves it.
    await new Promise((r) => setTimeout(r, 500)); // several polls (pollMaxMs 100)
    const row = await admin.store.getMessage(other);
    expect({ status: row?.status, attempts: row?.processingAttempts }).toEqual({ status: 'Pending', attempts: 0 });
  } finally {
    await daemon.stop();
    await admin.pools.closeAll();
  }
});

(mssqlUrl() ? test : test.skip)(
  `run({ handlers }) on a SQL Server tenant: ctx.db is the mssql Transaction; a PostgreSQL handler does not run${mssqlUrl() ? '' : ' (skipped: MSSQL_URL is not set)'}`,
  async () => {
    const database = await createTestMssqlDatabase('embedded');
    const tenant = sqlServerTenant('globex', database.connectionString, undefined);
    const admin = adminStore(tenant);
    try {
      await admin.store.migrate();
      const touched: string[] = [];
      const touch = defineSqlServerHandler<{ n: number }>({
        type: 'Touch',
        async handle(message, ctx) {
          // ctx.db is an mssql Transaction here, no cast: its request() is typed.
          const { recordset } = await ctx.db.request().query<{ one: number }>('SELECT 1 AS one');
          touched.push(`${message.payload.n}:${recordset[0]!.one}`);
        },
      });
      const elsewhere = definePostgresHandler({ type: 'OnlyPostgres', maxAttempts: 1, handle: (_m, ctx) => void ctx.db.query('SELECT 1') });
      const dir = tempDir('embedded-mssql');
      const configFile = writeJson(join(dir, 'config.json'), {
        tenants: { file: writeJson(join(dir, 'tenants.json'), [{ id: 'globex', connectionString: database.connectionString }]) },
        http: { host: '127.0.0.1', port: await freePort() },
        worker: { pollMinMs: 20, pollMaxMs: 100 },
      });
      const logs = new LogCapture('info');
      const daemon = await run({ configFile, env: {}, logger: logs.logger, handlers: [touch, elsewhere] });
      try {
        await admin.store.enqueue({ tenantId: 'globex', messageType: 'Touch', payload: { n: 7 } });
        const other = await admin.store.enqueue({ tenantId: 'globex', messageType: 'OnlyPostgres', payload: {} });
        await waitFor(() => touched.length === 1, { what: 'the Touch handler' });
        expect(touched).toEqual(['7:1']);
        // Routing by type: never claimed on a SQL Server tenant; Pending, no attempt counted.
        await new Promise((r) => setTimeout(r, 500));
        const row = await admin.store.getMessage(other);
        expect({ status: row?.status, attempts: row?.processingAttempts }).toEqual({ status: 'Pending', attempts: 0 });
      } finally {
        await daemon.stop();
      }
    } finally {
      await admin.pools.closeAll();
      await database.drop();
    }
  },
  120_000,
);
