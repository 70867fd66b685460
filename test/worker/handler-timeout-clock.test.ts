/**
 * A handler's timeout counts the handler's own time (PostgreSQL, in process): for a transactional
 * handler the clock starts once its transaction is open, so waiting for a pooled connection held by
 * another message never uses it up (with maxAttempts 1 such a wait would dead-letter a message
 * whose handler was never called, or cut it short).
 */
import type { PoolClient } from 'pg';
import type { Handler } from '../../src/handlers/types';
import { adminStore, pgTenant, sql, startTestWorker, waitFor, useWorkerTestBed } from '../support/worker-fixtures';

const bed = useWorkerTestBed('timeout_clock');
const { workers: running, adminPools } = bed;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

test('db.poolMax 1: the second message waits for the connection, then gets its whole timeout', async () => {
  const schema = 's_clock';
  const tenant = pgTenant('t1', bed.db.url, schema);
  const { store, pools } = adminStore(tenant);
  adminPools.push(pools);
  await store.migrate();
  await sql(bed.db.url, `CREATE TABLE "${schema}"."Effects" ("MessageId" uuid PRIMARY KEY)`);
  const calls: string[] = [];
  const slow: Handler = {
    type: 'Slow',
    timeoutMs: 1_000,
    maxAttempts: 1,
    async handle(message, ctx) {
      calls.push(message.id);
      // 600 ms of the handler's own: the other message holds the only connection for as long, so a
      // clock started before its transaction opened would leave it at most 400 ms.
      await sleep(600);
      await (ctx.db as PoolClient).query(`INSERT INTO "Effects" ("MessageId") VALUES ($1)`, [message.id]);
    },
  };
  const ids = await Promise.all([1, 2].map(() => store.enqueue({ tenantId: tenant.id, messageType: 'Slow', payload: {} })));
  const w = startTestWorker([tenant], [slow], { concurrency: 2 }, undefined, { max: 1 });
  running.push(w);
  for (const id of ids) {
    await waitFor(async () => ['Completed', 'DeadLetter'].includes((await store.getMessage(id))?.status ?? ''), { what: `${id} final` });
  }
  for (const id of ids) expect((await store.getMessage(id))?.status).toBe('Completed');
  expect([...calls].sort()).toEqual([...ids].sort());
  expect(await sql<{ n: number }>(bed.db.url, `SELECT count(*)::int AS n FROM "${schema}"."Effects"`)).toEqual([{ n: 2 }]);
});
