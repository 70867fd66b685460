/**
 * A tenant whose database returns is polled within about a second of its return, whatever backoff
 * its failures reached during the outage: the recovery watch pings the database (RECOVERY_PING_MS)
 * and, on PostgreSQL, the NOTIFY listener's reconnect says so too. Before, a new message waited for
 * the tenant's backoff timer (18 s after a 30 s outage).
 */
import type { Handler } from '../../src/handlers/types';
import { ControllablePgServer } from '../support/pg-server';
import { adminStore, pgTenant, startTestWorker, waitFor, type TestWorker } from '../support/worker-fixtures';
import type { StorePools } from '../../src/store/create-store';

const OUTAGE_MS = 12_000;

let server: ControllablePgServer;
let url: string;
const workers: TestWorker[] = [];
const pools: StorePools[] = [];

beforeAll(async () => {
  server = await ControllablePgServer.start(`return-${Math.random().toString(36).slice(2, 10)}`);
  url = await server.createDatabase('tenant_return');
}, 60_000);
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.closeAll()));
  await server.stop();
}, 60_000);

test.each([
  ['NOTIFY on (PostgreSQL default)', true],
  ['NOTIFY off (polling only, as on SQL Server)', false],
])(
  "after a %s outage-long backoff, a new message is picked up within ~1 s of the database's return",
  async (label, notify) => {
    const schema = notify ? 'with_notify' : 'polling';
    const tenant = pgTenant(schema, url, schema);
    const admin = adminStore(tenant);
    pools.push(admin.pools);
    await admin.store.migrate();
    const done: string[] = [];
    const h: Handler = { type: 'T', transactional: false, handle: (m) => void done.push(m.id) };
    const w = startTestWorker([tenant], [h], { notify, tenantBackoffMaxMs: 60_000, pollMaxMs: 2_000 });
    workers.push(w);
    const first = await admin.store.enqueue({ tenantId: tenant.id, messageType: 'T', payload: {} });
    await waitFor(() => done.includes(first), { what: 'the first message' });

    await server.stop();
    await waitFor(() => w.worker.tenantStatuses()[0]?.state === 'down', { timeoutMs: 15_000, what: `${label}: the tenant down` });
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const failures = w.worker.tenantStatuses()[0]!.consecutiveFailures;
    await server.startAgain();
    const back = Date.now();
    const next = await admin.store.enqueue({ tenantId: tenant.id, messageType: 'T', payload: {} });
    await waitFor(() => done.includes(next), {
      timeoutMs: 20_000,
      intervalMs: 20,
      what: `${label}: the message enqueued after the return`,
    });
    const pickedUpMs = Date.now() - back;
    // After this many failures the backoff (1 s doubling) is several seconds long: only the return
    // of the database ending it explains a pickup within ~1 s.
    expect(failures).toBeGreaterThanOrEqual(3);
    expect(pickedUpMs).toBeLessThan(1_500);
    console.log(`${label}: ${failures} failed polls during the outage; picked up ${pickedUpMs} ms after the return`);
  },
  90_000,
);
