/**
 * Idle cost: tenants whose queue is drained are parked and left to ONE readiness probe per chunk of
 * their database (StoreGroup.nextDue), not claimed one by one; NOTIFY wakes a parked tenant at once.
 * Real worker, real PostgreSQL; the stores are wrapped only to count the statements they send.
 */
import type { QueueStore, StoreGroup } from '../../src/store/types';
import type { Tenant } from '../../src/tenants/types';
import { adminStore, pgTenant, sql, startTestWorker, waitFor, type TestWorker, useWorkerTestBed } from '../support/worker-fixtures';
import type { Handler } from '../../src/handlers/types';
import type { WorkerOptions } from '../../src/worker/options';

const bed = useWorkerTestBed('idle_probe');
const { workers: running, adminPools } = bed;

let counter = 0;

/** `n` migrated tenants, each in its own schema of the test database. */
async function tenants(n: number): Promise<Array<{ tenant: Tenant; store: QueueStore }>> {
  const out: Array<{ tenant: Tenant; store: QueueStore }> = [];
  for (let i = 0; i < n; i++) {
    const id = `p${++counter}`;
    const tenant = pgTenant(id, bed.db.url, `s_${id}`);
    const { store, pools } = adminStore(tenant);
    adminPools.push(pools);
    await store.migrate();
    out.push({ tenant, store });
  }
  return out;
}

/** Counts what each store the worker opened sends: claims per tenant, probe statements. */
class Counters {
  claims = new Map<string, number>();
  probes = 0;
  probedTables = 0;

  wrap = (store: QueueStore, tenant: Tenant): QueueStore => {
    const group = store.group;
    const counted: QueueStore = {
      ...store,
      claim: (options) => {
        this.claims.set(tenant.id, (this.claims.get(tenant.id) ?? 0) + 1);
        return store.claim(options);
      },
      group:
        group &&
        ({
          ...group,
          nextDue: (tables, options) => {
            this.probes += 1;
            this.probedTables += tables.length;
            return group.nextDue(tables, options);
          },
        } satisfies StoreGroup),
    };
    return counted;
  };

  totalClaims(): number {
    return [...this.claims.values()].reduce((a, b) => a + b, 0);
  }

  reset(): void {
    this.claims.clear();
    this.probes = 0;
    this.probedTables = 0;
  }
}

function worker(ts: Tenant[], handlers: Handler[], options: Partial<WorkerOptions>, counters?: Counters): TestWorker {
  const w = startTestWorker(ts, handlers, options, counters?.wrap);
  running.push(w);
  return w;
}

/** Waits until `n` tenants are parked and each has been probed (or claimed) successfully at least once. */
async function parked(w: TestWorker, n: number): Promise<void> {
  await waitFor(
    () => {
      const parkedIds = new Set(w.worker.parkedTenants());
      const probed = w.worker.tenantStatuses().filter((t) => parkedIds.has(t.id) && t.lastSuccessfulPollAt !== null);
      return probed.length === n;
    },
    { what: `${n} tenants parked and probed` },
  );
}

async function completed(store: QueueStore, id: string): Promise<void> {
  await waitFor(async () => (await store.getMessage(id))?.status === 'Completed', { what: `message ${id} completed` });
}

test('idle tenants are not claimed: one probe statement covers all of them, and a message in any one is picked up', async () => {
  const all = await tenants(12);
  const counters = new Counters();
  const handled: string[] = [];
  const w = worker(
    all.map((t) => t.tenant),
    [{ type: 'Job', handle: (m) => void handled.push(m.tenantId) }],
    { pollMinMs: 50, pollMaxMs: 300, notify: false },
    counters,
  );
  await parked(w, 12);

  counters.reset();
  await new Promise((r) => setTimeout(r, 1_500));
  // Parked tenants cost no claim at all; the probe ran, each time for every tenant in one statement.
  expect(counters.totalClaims()).toBe(0);
  expect(counters.probes).toBeGreaterThanOrEqual(1);
  expect(counters.probedTables).toBe(counters.probes * 12);

  counters.reset();
  const target = all[7]!;
  const id = await target.store.enqueue({ tenantId: target.tenant.id, messageType: 'Job', payload: {} });
  await completed(target.store, id);
  expect(handled).toEqual([target.tenant.id]);
  // Only the tenant with due work was claimed.
  expect([...counters.claims.keys()]).toEqual([target.tenant.id]);
  await parked(w, 12);
});

test('a delayed message in a parked tenant is not handled early and is picked up once due', async () => {
  const [{ tenant, store }] = (await tenants(1)) as [{ tenant: Tenant; store: QueueStore }];
  const handledAt: number[] = [];
  const w = worker([tenant], [{ type: 'Later', handle: () => void handledAt.push(Date.now()) }], {
    pollMinMs: 50,
    pollMaxMs: 300,
    notify: false,
  });
  await parked(w, 1);
  const enqueuedAt = Date.now();
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Later', payload: {}, delayMs: 1_200 });
  await completed(store, id);
  expect(handledAt[0]! - enqueuedAt).toBeGreaterThanOrEqual(1_100);
});

test('NOTIFY wakes a parked tenant long before its next probe; without it the message waits for the probe', async () => {
  const [a, b] = (await tenants(2)) as [{ tenant: Tenant; store: QueueStore }, { tenant: Tenant; store: QueueStore }];
  // After the first probe of a parked tenant, the next one comes no sooner than pollMinMs / 2 = 15 s.
  const slowPolling = { pollMinMs: 30_000, pollMaxMs: 60_000, notifyBackstopMs: 60_000 };
  const handled: string[] = [];
  const h: Handler = { type: 'Ping', handle: (m) => void handled.push(m.tenantId) };

  const quiet = worker([b.tenant], [h], { ...slowPolling, notify: false });
  await parked(quiet, 1);
  const noWake = await b.store.enqueue({ tenantId: b.tenant.id, messageType: 'Ping', payload: {} });

  const listening = worker([a.tenant], [h], { ...slowPolling, notify: true });
  await parked(listening, 1);
  await waitFor(
    async () =>
      (
        await sql<{ n: number }>(
          bed.db.url,
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'tqw-listen' AND datname = current_database()`,
        )
      )[0]!.n >= 1,
    { what: 'the LISTEN connection' },
  );
  await new Promise((r) => setTimeout(r, 200)); // LISTEN is issued right after connecting
  const woken = await a.store.enqueue({ tenantId: a.tenant.id, messageType: 'Ping', payload: {} });
  await waitFor(async () => (await a.store.getMessage(woken))?.status === 'Completed', { timeoutMs: 10_000, what: 'the notified message' });
  expect(handled).toEqual([a.tenant.id]);
  // The tenant without NOTIFY still waits for its probe.
  expect((await b.store.getMessage(noWake))?.status).toBe('Pending');
});

test('after its LISTEN connection is killed the listener reconnects and wakes tenants again', async () => {
  const [{ tenant, store }] = (await tenants(1)) as [{ tenant: Tenant; store: QueueStore }];
  const w = worker([tenant], [{ type: 'Ping', handle: () => undefined }], {
    pollMinMs: 30_000,
    pollMaxMs: 60_000,
    notifyBackstopMs: 60_000,
  });
  await parked(w, 1);
  const listeners = async () =>
    sql<{ pid: number }>(
      bed.db.url,
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'tqw-listen' AND datname = current_database()`,
    );
  const [first] = await waitFor(async () => {
    const rows = await listeners();
    return rows.length > 0 ? rows : undefined;
  });
  await sql(bed.db.url, 'SELECT pg_terminate_backend($1)', [first!.pid]);
  await waitFor(async () => (await listeners()).some((r) => r.pid !== first!.pid), { what: 'a new LISTEN connection' });
  await new Promise((r) => setTimeout(r, 300));
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Ping', payload: {} });
  // Well before the 15 s the first probe could take: the new listener woke it.
  await waitFor(async () => (await store.getMessage(id))?.status === 'Completed', { timeoutMs: 10_000, what: 'message after reconnect' });
});

test("a probe that fails (a tenant's table vanished) sends its tenants back to polling; the others keep working", async () => {
  const all = await tenants(3);
  const w = worker(
    all.map((t) => t.tenant),
    [{ type: 'Job', handle: () => undefined }],
    { pollMinMs: 50, pollMaxMs: 300, notify: false },
  );
  await parked(w, 3);
  const [gone, ok] = all as [{ tenant: Tenant; store: QueueStore }, { tenant: Tenant; store: QueueStore }];
  await sql(bed.db.url, `ALTER TABLE "${gone.tenant.schema}"."QueueMessages" RENAME TO "Elsewhere"`);
  await waitFor(() => w.logs.find((l) => l.msg === 'readiness probe failed; its tenants poll on their own until it is retried'), {
    what: 'the probe failure line',
  });
  const id = await ok.store.enqueue({ tenantId: ok.tenant.id, messageType: 'Job', payload: {} });
  await completed(ok.store, id);
  await waitFor(() => w.worker.tenantStatuses().find((t) => t.id === gone.tenant.id)?.state === 'down', { what: 'the broken tenant down' });
  // The broken tenant left the probe group: the others park again and are probed without it.
  await sql(bed.db.url, `ALTER TABLE "${gone.tenant.schema}"."Elsewhere" RENAME TO "QueueMessages"`);
  await waitFor(() => w.worker.tenantStatuses().find((t) => t.id === gone.tenant.id)?.state === 'up', {
    timeoutMs: 30_000,
    what: 'the tenant back up',
  });
});

test('a table without the notify trigger is polled within pollMaxMs even though NOTIFY is on', async () => {
  const [{ tenant, store }] = (await tenants(1)) as [{ tenant: Tenant; store: QueueStore }];
  // An application created the table without `tqw migrate`'s trigger: its inserts notify nobody.
  await sql(bed.db.url, `DROP TRIGGER "TR_QueueMessages_Notify" ON "${tenant.schema}"."QueueMessages"`);
  const w = worker([tenant], [{ type: 'Ping', handle: () => undefined }], { pollMinMs: 100, pollMaxMs: 800, notifyBackstopMs: 60_000 });
  await parked(w, 1);
  await waitFor(
    async () =>
      (
        await sql<{ n: number }>(
          bed.db.url,
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'tqw-listen' AND datname = current_database()`,
        )
      )[0]!.n >= 1,
    { what: 'the LISTEN connection' },
  );
  await new Promise((r) => setTimeout(r, 2_000)); // long enough for the probe to back off to pollMaxMs
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Ping', payload: {} });
  // Found by the probe (at most pollMaxMs apart), long before the 60 s backstop of notified tenants.
  await waitFor(async () => (await store.getMessage(id))?.status === 'Completed', {
    timeoutMs: 10_000,
    what: 'message in a table without trigger',
  });
});
