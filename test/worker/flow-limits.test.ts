/**
 * Rate limits and concurrency caps in running workers (real PostgreSQL): two workers (two
 * "replicas", each with its own pools) share one tenant whose limits hold for both together;
 * messages over a limit wait Pending with no attempt counted; a tenant-map reload changes the limits
 * live (Worker.setTenants).
 */
import type { Handler } from '../../src/handlers/types';
import type { TenantLimits } from '../../src/store/types';
import { adminStore, pgTenant, startTestWorker, useWorkerTestBed, waitFor } from '../support/worker-fixtures';

const bed = useWorkerTestBed('tqw_flow_limits');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A handler that holds each message `ms` and records how many of its type run at once, across workers. */
function holding(types: string[], ms: number) {
  const running = new Map<string, number>();
  const peak = new Map<string, number>();
  const started: Array<{ type: string; at: number }> = [];
  const handler: Handler = {
    types,
    transactional: false,
    async handle(message) {
      const now = (running.get(message.type) ?? 0) + 1;
      running.set(message.type, now);
      peak.set(message.type, Math.max(peak.get(message.type) ?? 0, now));
      peak.set(
        '*',
        Math.max(
          peak.get('*') ?? 0,
          [...running.values()].reduce((a, b) => a + b, 0),
        ),
      );
      started.push({ type: message.type, at: Date.now() });
      await sleep(ms);
      running.set(message.type, (running.get(message.type) ?? 1) - 1);
    },
  };
  return { handler, peak, started };
}

async function setUp(schema: string, limits: TenantLimits, messages: Array<[string, number]>) {
  const tenant = { ...pgTenant('acme', bed.db.url, schema), limits };
  const admin = adminStore(tenant);
  bed.adminPools.push(admin.pools);
  await admin.store.migrate();
  for (const [type, count] of messages)
    for (let i = 0; i < count; i++) await admin.store.enqueue({ tenantId: 'acme', messageType: type, payload: { i } });
  return { tenant, store: admin.store };
}

test('a tenant cap and a type cap hold across two workers together; every message completes once, attempts 1', async () => {
  const { tenant, store } = await setUp('limits_caps', { concurrency: 4, types: { Mail: { concurrency: 1 } } }, [
    ['Mail', 6],
    ['Report', 12],
  ]);
  const { handler, peak } = holding(['Mail', 'Report'], 60);
  for (let i = 0; i < 2; i++) bed.workers.push(startTestWorker([tenant], [handler], { concurrency: 10 }));
  await waitFor(async () => ((await store.stats()).counts.Completed === 18 ? true : undefined), {
    timeoutMs: 30_000,
    what: 'all 18 completed',
  });
  expect(peak.get('Mail')).toBe(1);
  expect(peak.get('*')).toBeLessThanOrEqual(4);
  expect(peak.get('*')).toBeGreaterThanOrEqual(2); // the two workers did run side by side
  const rows = await store.listMessages({ limit: 100 });
  expect(rows.every((r) => r.processingAttempts === 1)).toBe(true);
});

test('a rate limit paces two workers together; a reload of the tenant map lifts it live', async () => {
  const { tenant, store } = await setUp('limits_rate', { ratePerSecond: 5 }, [['Report', 30]]);
  const { handler, started } = holding(['Report'], 1);
  const workers = [0, 1].map(() => startTestWorker([tenant], [handler], { concurrency: 10 }));
  bed.workers.push(...workers);
  const t0 = Date.now();
  await sleep(1_500);
  // A bucket of 5 at the start, then 5 per second: at most 5 + 5 * elapsed started, by both workers.
  const elapsed = (Date.now() - t0) / 1000;
  expect(started.length).toBeGreaterThanOrEqual(5);
  expect(started.length).toBeLessThanOrEqual(5 + Math.ceil(5 * elapsed));
  expect((await store.depth()).Pending).toBeGreaterThan(0);
  for (const w of workers) w.worker.setTenants([{ ...tenant, limits: undefined }]);
  await waitFor(async () => ((await store.stats()).counts.Completed === 30 ? true : undefined), {
    timeoutMs: 10_000,
    what: 'all 30 completed',
  });
  const rows = await store.listMessages({ limit: 100 });
  expect(rows.every((r) => r.processingAttempts === 1)).toBe(true);
});
