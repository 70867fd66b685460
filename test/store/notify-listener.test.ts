/**
 * The PostgreSQL LISTEN connections: one per database, shared by its tenants; a notification wakes
 * exactly the tenant of the schema it names; a tenant whose table has no notify trigger is not
 * reported as listening (it must keep polling); the last subscription closes the connection.
 */
import { PgListenerRegistry } from '../../src/store/postgres/notify-listener';
import type { StorePools } from '../../src/store/create-store';
import type { QueueStore, WorkSubscriber } from '../../src/store/types';
import type { Tenant } from '../../src/tenants/types';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { adminStore, pgTenant, sql, waitFor } from '../support/worker-fixtures';

let db: TestDatabase;
const pools: StorePools[] = [];
let registry: PgListenerRegistry;

beforeAll(async () => {
  db = await createTestDatabase('notify');
});
afterEach(async () => {
  await registry?.closeAll();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.closeAll()));
  await db.drop();
});

async function tenant(id: string): Promise<{ tenant: Tenant; store: QueueStore }> {
  const t = pgTenant(id, db.url, `n_${id}`);
  const { store, pools: p } = adminStore(t);
  pools.push(p);
  await store.migrate();
  return { tenant: t, store };
}

class Recorder implements WorkSubscriber {
  work = 0;
  listening: boolean[] = [];
  onWork(): void {
    this.work += 1;
  }
  onListening(listening: boolean): void {
    this.listening.push(listening);
  }
  get now(): boolean | undefined {
    return this.listening[this.listening.length - 1];
  }
}

const listenConnections = async () =>
  (
    await sql<{ n: number }>(
      db.url,
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'tqw-listen' AND datname = current_database()`,
    )
  )[0]!.n;

test("one connection per database; an insert wakes only its schema's tenant; no trigger means not listening", async () => {
  registry = new PgListenerRegistry({ maxListeners: 4, connectTimeoutMs: 5_000 });
  const a = await tenant('a');
  const b = await tenant('b');
  const c = await tenant('c');
  await sql(db.url, `DROP TRIGGER "TR_QueueMessages_Notify" ON "n_c"."QueueMessages"`);
  const [ra, rb, rc] = [new Recorder(), new Recorder(), new Recorder()];
  registry.subscribe(a.tenant, ra);
  registry.subscribe(b.tenant, rb);
  registry.subscribe(c.tenant, rc);
  await waitFor(() => ra.now === true && rb.now === true, { what: 'a and b listening' });
  expect(registry.size).toBe(1);
  expect(await listenConnections()).toBe(1);
  expect(rc.now).not.toBe(true); // c's inserts notify nobody: it must poll

  await a.store.enqueue({ tenantId: 'a', messageType: 'T', payload: {} });
  await waitFor(() => ra.work === 1, { what: 'a woken' });
  await c.store.enqueue({ tenantId: 'c', messageType: 'T', payload: {} });
  await new Promise((r) => setTimeout(r, 200));
  expect([ra.work, rb.work, rc.work]).toEqual([1, 0, 0]);
});

test('the listener cap leaves further databases unsubscribed, and the last subscription closes the connection', async () => {
  registry = new PgListenerRegistry({ maxListeners: 0, connectTimeoutMs: 5_000 });
  const a = await tenant('d');
  expect(registry.subscribe(a.tenant, new Recorder())).toBeUndefined();

  registry = new PgListenerRegistry({ maxListeners: 1, connectTimeoutMs: 5_000 });
  const r = new Recorder();
  const subscription = registry.subscribe(a.tenant, r)!;
  await waitFor(() => r.now === true, { what: 'listening' });
  subscription.close();
  expect(registry.size).toBe(0);
  await waitFor(async () => (await listenConnections()) === 0, { what: 'the LISTEN connection closed' });
});

test('a killed LISTEN connection reports not listening, reconnects, and reports listening again', async () => {
  registry = new PgListenerRegistry({ maxListeners: 1, connectTimeoutMs: 5_000, reconnectBaseMs: 50, reconnectMaxMs: 200 });
  const a = await tenant('e');
  const r = new Recorder();
  registry.subscribe(a.tenant, r);
  await waitFor(() => r.now === true, { what: 'listening' });
  await sql(
    db.url,
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tqw-listen' AND datname = current_database()`,
  );
  await waitFor(() => r.listening.length >= 3 && r.now === true, { what: 'listening again' });
  expect(r.listening).toEqual([true, false, true]);
  await a.store.enqueue({ tenantId: 'e', messageType: 'T', payload: {} });
  await waitFor(() => r.work === 1, { what: 'woken after the reconnect' });
});
