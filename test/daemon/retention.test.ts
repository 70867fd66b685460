/**
 * Retention: old Completed rows are deleted in small batches per tenant; DeadLetter rows are kept
 * unless their own setting is on; recent rows and other statuses are never touched.
 */
import { RetentionSweeper } from '../../src/daemon/retention';
import type { StorePools } from '../../src/store/create-store';
import type { QueueStore } from '../../src/store/types';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { LogCapture, adminStore, pgTenant, sql } from '../support/worker-fixtures';

let db: TestDatabase;
const pools: StorePools[] = [];
beforeAll(async () => {
  db = await createTestDatabase('retention');
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.closeAll()));
  await db.drop();
});

async function tenantWithRows(id: string): Promise<QueueStore> {
  const tenant = pgTenant(id, db.url, `r_${id}`);
  const { store, pools: p } = adminStore(tenant);
  pools.push(p);
  await store.migrate();
  const insert = (status: string, ageDays: number, n: number) =>
    sql(
      db.url,
      `INSERT INTO "r_${id}"."QueueMessages" ("Id","TenantId","MessageType","Payload","Status","ProcessingAttempts","LastAttemptTime","CreatedAt")
       SELECT gen_random_uuid(), $1, 'T', '{}', $2, 1, now() - $3 * interval '1 day', now() - $3 * interval '1 day' FROM generate_series(1, $4)`,
      [id, status, ageDays, n],
    );
  await insert('Completed', 10, 25); // old: deleted
  await insert('Completed', 1, 5); // recent: kept
  await insert('DeadLetter', 10, 4); // kept unless deadLetterMaxAgeMs is set
  await insert('Pending', 10, 3); // never touched
  return store;
}

const DAY = 24 * 3600 * 1000;

test('old Completed rows are deleted in batches in every tenant; recent, Pending and DeadLetter rows are kept', async () => {
  const stores = { a: await tenantWithRows('a'), b: await tenantWithRows('b') };
  const logs = new LogCapture();
  const sweeper = new RetentionSweeper(
    { completedMaxAgeMs: 7 * DAY, deadLetterMaxAgeMs: 0, intervalMs: 60_000, batchSize: 10 },
    () => Object.entries(stores).map(([tenantId, store]) => ({ tenantId, store })),
    logs.logger,
    (s) => s,
  );
  const deleted = await sweeper.sweep();
  expect(Object.fromEntries(deleted)).toEqual({ a: 25, b: 25 });
  for (const store of Object.values(stores)) {
    const { counts } = await store.stats();
    expect(counts).toMatchObject({ Completed: 5, DeadLetter: 4, Pending: 3 });
  }
  expect(logs.find((l) => l.msg === 'retention: old rows deleted' && l.tenant === 'a')).toMatchObject({ deleted: 25 });
  await sweeper.stop();
});

test('DeadLetter rows are deleted only when retention.deadLetterMaxAgeMs is set', async () => {
  const store = await tenantWithRows('c');
  const sweeper = new RetentionSweeper(
    { completedMaxAgeMs: 0, deadLetterMaxAgeMs: 7 * DAY, intervalMs: 60_000, batchSize: 500 },
    () => [{ tenantId: 'c', store }],
    new LogCapture().logger,
    (s) => s,
  );
  await sweeper.sweep();
  const { counts } = await store.stats();
  expect(counts).toMatchObject({ Completed: 30, DeadLetter: 0, Pending: 3 });
});

test('a failing tenant is logged and skipped; the others are still swept', async () => {
  const good = await tenantWithRows('d');
  const broken = pgTenant('broken', db.url, 'no_such_schema');
  const { store: brokenStore, pools: p } = adminStore(broken);
  pools.push(p);
  const logs = new LogCapture();
  const sweeper = new RetentionSweeper(
    { completedMaxAgeMs: 7 * DAY, deadLetterMaxAgeMs: 0, intervalMs: 60_000, batchSize: 100 },
    () => [
      { tenantId: 'broken', store: brokenStore },
      { tenantId: 'd', store: good },
    ],
    logs.logger,
    (s) => s,
  );
  const deleted = await sweeper.sweep();
  expect(deleted.get('d')).toBe(25);
  expect(logs.find((l) => l.tenant === 'broken' && l.msg === 'retention sweep failed; retrying next interval')).toBeDefined();
});

test('tenants with nothing old get no DELETE: one pre-check statement asks the whole database', async () => {
  const old = await tenantWithRows('e');
  const fresh = pgTenant('f', db.url, 'r_f');
  const { store: freshStore, pools: p } = adminStore(fresh);
  pools.push(p);
  await freshStore.migrate();
  const purges: string[] = [];
  let checks = 0;
  const counted = (tenantId: string, store: QueueStore): QueueStore => ({
    ...store,
    purge: (...args) => {
      purges.push(tenantId);
      return store.purge(...args);
    },
    group: store.group && {
      ...store.group,
      hasPurgeable: (...args) => {
        checks += 1;
        return store.group!.hasPurgeable(...args);
      },
    },
  });
  const sweeper = new RetentionSweeper(
    { completedMaxAgeMs: 7 * DAY, deadLetterMaxAgeMs: 0, intervalMs: 60_000, batchSize: 100 },
    () => [
      { tenantId: 'e', store: counted('e', old) },
      { tenantId: 'f', store: counted('f', freshStore) },
    ],
    new LogCapture().logger,
    (s) => s,
  );
  const deleted = await sweeper.sweep();
  expect(Object.fromEntries(deleted)).toEqual({ e: 25, f: 0 });
  expect(checks).toBe(1);
  expect(new Set(purges)).toEqual(new Set(['e']));
});
