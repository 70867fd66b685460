/**
 * The worker never forgets a message it holds (PostgreSQL, in process, a server of the test's own):
 * a database restart under load cuts transactions and makes completions, retries and releases fail.
 * The worker keeps each such message with its fence and writes its outcome as soon as the server
 * answers again, so every message claimed before the restart has left that claim (Completed,
 * retried or released) within seconds of the server's return, none waits for its lease, and a
 * graceful shutdown afterwards leaves nothing Processing. Transactional effects stay exactly once.
 */
import type { PoolClient } from 'pg';
import type { Handler } from '../../src/handlers/types';
import { ControllablePgServer } from '../support/pg-server';
import { adminStore, pgTenant, sql, startTestWorker, waitFor, type TestWorker } from '../support/worker-fixtures';
import type { StorePools } from '../../src/store/create-store';

const MESSAGES = 4_000;
/** Longer than the test lets recovery take: a message that waited for its lease would fail the test. */
const LEASE_MS = 20_000;
/** The goal: every held message settled within this long of the server accepting connections. */
const SETTLE_WITHIN_MS = 5_000;

let server: ControllablePgServer;
let url: string;
let worker: TestWorker | undefined;
const pools: StorePools[] = [];

beforeAll(async () => {
  server = await ControllablePgServer.start(`restart-${Math.random().toString(36).slice(2, 10)}`);
  url = await server.createDatabase('recovery');
}, 60_000);
afterAll(async () => {
  await worker?.stop().catch(() => undefined);
  await Promise.all(pools.map((p) => p.closeAll()));
  await server.stop();
}, 60_000);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

test('after a restart under load every claimed message settles within seconds, and SIGTERM leaves 0 Processing', async () => {
  const tenant = pgTenant('acme', url, 'acme');
  const admin = adminStore(tenant);
  pools.push(admin.pools);
  await admin.store.migrate();
  await sql(url, `CREATE TABLE acme."Effects" ("MessageId" uuid PRIMARY KEY)`);
  await sql(
    url,
    `INSERT INTO acme."QueueMessages" ("Id", "TenantId", "MessageType", "Payload", "ScheduledTime", "Status", "CreatedAt")
     SELECT gen_random_uuid(), 'acme', CASE WHEN i % 3 = 0 THEN 'Ext' ELSE 'Tx' END, '{}', now(), 'Pending', now()
     FROM generate_series(1, ${MESSAGES}) AS i`,
  );
  const tx: Handler = {
    type: 'Tx',
    backoffBaseMs: 50,
    backoffMaxMs: 200,
    async handle(message, ctx) {
      await sleep(5);
      await (ctx.db as PoolClient).query(`INSERT INTO "Effects" ("MessageId") VALUES ($1)`, [message.id]);
    },
  };
  const ext: Handler = { type: 'Ext', transactional: false, handle: () => sleep(5) };
  worker = startTestWorker([tenant], [tx, ext], { concurrency: 16, leaseMs: LEASE_MS, tenantBackoffMaxMs: 30_000 });
  await waitFor(
    async () =>
      Number((await sql<{ n: string }>(url, `SELECT count(*) AS n FROM acme."QueueMessages" WHERE "Status" = 'Completed'`))[0]!.n) > 300,
    { what: 'a running drain' },
  );

  // The claims held at the restart: each must leave that claim (its fence) after the server is back.
  const held = await sql<{ Id: string; DequeueTime: Date; ProcessingAttempts: number }>(
    url,
    `SELECT "Id", "DequeueTime", "ProcessingAttempts" FROM acme."QueueMessages" WHERE "Status" = 'Processing'`,
  );
  expect(held.length).toBeGreaterThan(0);
  await server.stop();
  await sleep(2_000);
  await server.startAgain();
  const back = Date.now();
  const stuck = async () => {
    const rows = await sql<{ Id: string; DequeueTime: Date; ProcessingAttempts: number; Status: string }>(
      url,
      `SELECT "Id", "DequeueTime", "ProcessingAttempts", "Status" FROM acme."QueueMessages" WHERE "Id" = ANY ($1)`,
      [held.map((h) => h.Id)],
    );
    const before = new Map(held.map((h) => [h.Id, h]));
    return rows.filter((r) => {
      const b = before.get(r.Id)!;
      return (
        r.Status === 'Processing' && r.DequeueTime.getTime() === b.DequeueTime.getTime() && r.ProcessingAttempts === b.ProcessingAttempts
      );
    });
  };
  await waitFor(async () => (await stuck()).length === 0, {
    timeoutMs: 15_000,
    intervalMs: 100,
    what: 'every message held at the restart to settle',
  }).catch(async (err) => {
    throw new Error(`${(err as Error).message}: ${(await stuck()).length} of ${held.length} still on their old claim`);
  });
  const settledAfterMs = Date.now() - back;
  expect(settledAfterMs).toBeLessThan(SETTLE_WITHIN_MS);

  // A graceful shutdown now leaves nothing Processing.
  await worker.stop();
  worker = undefined;
  const processing = await sql<{ n: string }>(url, `SELECT count(*) AS n FROM acme."QueueMessages" WHERE "Status" = 'Processing'`);
  expect(Number(processing[0]!.n)).toBe(0);
  // Exactly once: no effect of a message that is not Completed... and no Completed Tx message without its effect.
  const orphans = await sql<{ n: string }>(
    url,
    `SELECT count(*) AS n FROM acme."Effects" e JOIN acme."QueueMessages" q ON q."Id" = e."MessageId" WHERE q."Status" <> 'Completed'`,
  );
  expect(Number(orphans[0]!.n)).toBe(0);
  const missing = await sql<{ n: string }>(
    url,
    `SELECT count(*) AS n FROM acme."QueueMessages" q WHERE q."MessageType" = 'Tx' AND q."Status" = 'Completed'
       AND NOT EXISTS (SELECT 1 FROM acme."Effects" e WHERE e."MessageId" = q."Id")`,
  );
  expect(Number(missing[0]!.n)).toBe(0);
  console.log(`held at the restart: ${held.length}; all settled ${settledAfterMs} ms after the server was back`);
}, 120_000);
