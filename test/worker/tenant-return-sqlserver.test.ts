/**
 * A SQL Server tenant whose database returns is polled within about a second of its return,
 * whatever backoff its failures reached during the outage (in process, a Babelfish server of the
 * test's own, TEST_BABELFISH_DIR): SQL Server has no NOTIFY, so only the recovery watch's ping
 * (RECOVERY_PING_MS) can end the backoff. The PostgreSQL twin is tenant-return.test.ts.
 */
import type { Handler } from '../../src/handlers/types';
import type { StorePools } from '../../src/store/create-store';
import { ControllableBabelfish, describeIfBabelfish } from '../support/babelfish-server';
import { sqlServerTenant } from '../support/mssql';
import { adminStore, startTestWorker, waitFor, type TestWorker } from '../support/worker-fixtures';

const OUTAGE_MS = 12_000;
const DB = 'tenant_return';
/** The goal plus a Babelfish login (about half a second, more right after a restart). */
const PICKED_UP_WITHIN_MS = 1_500;

describeIfBabelfish('tenant return on SQL Server', () => {
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

  test("after an outage-long backoff, a new message is picked up within ~1 s of the database's return", async () => {
    const tenant = sqlServerTenant('acme', server.url(DB), 'dbo');
    const admin = adminStore(tenant);
    pools.push(admin.pools);
    await admin.store.migrate();
    const done: string[] = [];
    const h: Handler = { type: 'T', transactional: false, handle: (m) => void done.push(m.id.toLowerCase()) };
    worker = startTestWorker([tenant], [h], { tenantBackoffMaxMs: 60_000, pollMaxMs: 2_000 });
    const first = await admin.store.enqueue({ tenantId: tenant.id, messageType: 'T', payload: {} });
    await waitFor(() => done.includes(first.toLowerCase()), { timeoutMs: 30_000, what: 'the first message' });

    await server.stop();
    await waitFor(() => worker!.worker.tenantStatuses()[0]?.state === 'down', { timeoutMs: 15_000, what: 'the tenant down' });
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const failures = worker.worker.tenantStatuses()[0]!.consecutiveFailures;
    await server.startAgain();
    const back = Date.now();
    // Written through Babelfish's PostgreSQL port, so the test's own TDS login does not delay it.
    const next = '7d0e3c52-9a41-4c55-8f0a-5b1f3e2a6c01';
    await server.observe(
      `INSERT INTO ${DB}_dbo.queuemessages (id, tenantid, messagetype, payload) VALUES ($1::text::sys.uniqueidentifier, 'acme', 'T', '{}')`,
      [next],
    );
    await waitFor(() => done.includes(next), { timeoutMs: 30_000, intervalMs: 20, what: 'the message enqueued after the return' });
    const pickedUpMs = Date.now() - back;
    console.log(`SQL Server: ${failures} failed polls during the outage; picked up ${pickedUpMs} ms after the return`);
    // After this many failures the backoff (1 s doubling) is several seconds long: only the return
    // of the database ending it explains a pickup within ~1 s.
    expect(failures).toBeGreaterThanOrEqual(3);
    expect(pickedUpMs).toBeLessThan(PICKED_UP_WITHIN_MS);
  }, 240_000);
});
