/**
 * The worker never forgets a message it holds, on SQL Server (in process, a Babelfish server of the
 * test's own, TEST_BABELFISH_DIR): the same scenario as database-restart-recovery.test.ts. A server
 * restart under load cuts transactions and makes completions, retries and releases fail; every
 * message claimed before it leaves that claim within seconds of the server's return, none waits for
 * its lease, a graceful shutdown afterwards leaves nothing Processing, effects stay exactly once.
 */
import mssql from 'mssql';
import type { Handler } from '../../src/handlers/types';
import type { StorePools } from '../../src/store/create-store';
import { isConnectivityError } from '../../src/store/connectivity-error';
import { sqlServerConfig } from '../../src/store/sqlserver/connection-config';
import { ControllableBabelfish, describeIfBabelfish } from '../support/babelfish-server';
import { sqlServerTenant } from '../support/mssql';
import { adminStore, startTestWorker, waitFor, type TestWorker } from '../support/worker-fixtures';

const MESSAGES = 4_000;
/** Longer than the test lets recovery take: a message that waited for its lease would fail the test. */
const LEASE_MS = 20_000;
/** The goal: every held message settled within this long of the server accepting connections. */
const SETTLE_WITHIN_MS = 5_000;
const DB = 'recovery';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describeIfBabelfish('database restart under load on SQL Server', () => {
  let server: ControllableBabelfish;
  let worker: TestWorker | undefined;
  const pools: StorePools[] = [];

  beforeAll(async () => {
    server = await ControllableBabelfish.start();
    await server.createDatabase(DB);
  }, 300_000);
  afterAll(async () => {
    await worker?.stop().catch(() => undefined);
    await Promise.all(pools.map((p) => p.closeAll()));
    await server?.destroy();
  }, 60_000);

  const count = async (where: string): Promise<number> =>
    (await server.batch<{ n: number }>(DB, `SELECT COUNT(*) AS n FROM dbo.QueueMessages WHERE ${where}`))[0]!.n;

  test('what the driver reports during a restart is recognised as the database being unreachable', async () => {
    // Real mssql/tedious errors, not hand-made ones: a transaction open across the stop, a pool
    // connection that was idle, a new connection while the server is down.
    const pool = new mssql.ConnectionPool({ ...sqlServerConfig(server.url(DB), 'restart errors'), pool: { max: 4, min: 0 } });
    pool.on('error', () => undefined);
    await pool.connect();
    try {
      const tx = new mssql.Transaction(pool);
      await tx.begin();
      await tx.request().query('SELECT 1 AS one');
      await pool.request().query('SELECT 1 AS one');
      await server.stop();
      const errors = {
        requestOnEndedTransaction: await tx
          .request()
          .query('SELECT 1 AS one')
          .catch((e: unknown) => e),
        commitOnEndedTransaction: await tx.commit().catch((e: unknown) => e),
        poolRequestWhileDown: await pool
          .request()
          .query('SELECT 1 AS one')
          .catch((e: unknown) => e),
        beginWhileDown: await new mssql.Transaction(pool).begin().catch((e: unknown) => e),
      };
      const describe = (e: unknown) => `${(e as Error)?.name} ${(e as { code?: string })?.code}: ${(e as Error)?.message}`;
      for (const [what, err] of Object.entries(errors)) {
        expect({ what, err: describe(err), connectivity: isConnectivityError(err) }).toMatchObject({ what, connectivity: true });
      }
    } finally {
      await server.startAgain();
      await pool.close().catch(() => undefined);
    }
  }, 120_000);

  test('after a restart under load every claimed message settles within seconds, and a graceful stop leaves 0 Processing', async () => {
    const tenant = sqlServerTenant('acme', server.url(DB), 'dbo');
    const admin = adminStore(tenant);
    pools.push(admin.pools);
    await admin.store.migrate();
    await server.batch(DB, 'CREATE TABLE dbo.Effects (MessageId UNIQUEIDENTIFIER NOT NULL PRIMARY KEY)');
    await server.batch(
      DB,
      `WITH n AS (SELECT TOP (${MESSAGES}) ROW_NUMBER() OVER (ORDER BY a.object_id) AS i FROM sys.all_objects a CROSS JOIN sys.all_objects b)
       INSERT INTO dbo.QueueMessages (Id, TenantId, MessageType, Payload) SELECT NEWID(), N'acme', CASE WHEN i % 3 = 0 THEN N'Ext' ELSE N'Tx' END, N'{}' FROM n`,
    );
    expect(await count("Status = N'Pending'")).toBe(MESSAGES);
    const tx: Handler = {
      type: 'Tx',
      backoffBaseMs: 50,
      backoffMaxMs: 200,
      async handle(message, ctx) {
        await sleep(5);
        await (ctx.db as mssql.Transaction)
          .request()
          .input('id', mssql.UniqueIdentifier, message.id)
          .query('INSERT INTO dbo.Effects (MessageId) VALUES (@id)');
      },
    };
    const ext: Handler = { type: 'Ext', transactional: false, handle: () => sleep(5) };
    worker = startTestWorker([tenant], [tx, ext], { concurrency: 16, leaseMs: LEASE_MS, tenantBackoffMaxMs: 30_000 });
    await waitFor(async () => (await count("Status = N'Completed'")) > 300, { timeoutMs: 60_000, what: 'a running drain' });

    // The claims held at the restart: every row Processing with a DequeueTime from before the stop
    // (a lease is far longer than the test, so all of them are this worker's claims from before it).
    const held = await count("Status = N'Processing'");
    expect(held).toBeGreaterThan(0);
    // The latest claim before the stop, as text (every DequeueTime is written at offset +00:00 in one format, so text order is time order).
    const lastClaim = (await server.observe<{ t: string }>(`SELECT max(dequeuetime::text) AS t FROM ${DB}_dbo.queuemessages`))[0]!.t;
    await server.stop();
    await sleep(2_000);
    await server.startAgain();
    const back = Date.now();
    // Read through the PostgreSQL port: a TDS login right after the restart takes about a second.
    const stuck = async (): Promise<number> =>
      Number(
        (
          await server.observe<{ n: string }>(
            `SELECT count(*) AS n FROM ${DB}_dbo.queuemessages WHERE status = 'Processing' AND dequeuetime::text <= $1`,
            [lastClaim],
          )
        )[0]!.n,
      );
    const timeline: string[] = [];
    await waitFor(
      async () => {
        const n = await stuck();
        timeline.push(`${Date.now() - back} ms: ${n}`);
        return n === 0;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'every message claimed before the restart to settle' },
    ).catch(async (err) => {
      throw new Error(
        `${(err as Error).message}: ${await stuck()} still on a claim from before the restart (timeline ${timeline.join(', ')})`,
      );
    });
    const settledAfterMs = Date.now() - back;
    console.log(
      `SQL Server: about ${held} held at the restart; all settled ${settledAfterMs} ms after the server was back (still held: ${timeline.join(', ')})`,
    );
    expect(settledAfterMs).toBeLessThan(SETTLE_WITHIN_MS);

    // A graceful shutdown now leaves nothing Processing.
    await worker.stop();
    worker = undefined;
    expect(await count("Status = N'Processing'")).toBe(0);
    // Exactly once: no effect of a message that is not Completed, no Completed Tx message without its effect.
    const orphans = await server.batch<{ n: number }>(
      DB,
      "SELECT COUNT(*) AS n FROM dbo.Effects e JOIN dbo.QueueMessages q ON q.Id = e.MessageId WHERE q.Status <> N'Completed'",
    );
    expect(orphans[0]!.n).toBe(0);
    const missing = await server.batch<{ n: number }>(
      DB,
      "SELECT COUNT(*) AS n FROM dbo.QueueMessages q WHERE q.MessageType = N'Tx' AND q.Status = N'Completed' AND NOT EXISTS (SELECT 1 FROM dbo.Effects e WHERE e.MessageId = q.Id)",
    );
    expect(missing[0]!.n).toBe(0);
  }, 240_000);
});
