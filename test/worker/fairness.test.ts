/**
 * Fairness across tenants: with many tenants holding a backlog at once, free handler slots and
 * claims go round-robin, so no tenant finishes much later than the others. Measured in handler
 * invocation order (not time): the position of each tenant's last message.
 */
import type { Handler } from '../../src/handlers/types';
import type { StorePools } from '../../src/store/create-store';
import type { Tenant } from '../../src/tenants/types';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { adminStore, pgTenant, sql, startTestWorker, waitFor, type TestWorker } from '../support/worker-fixtures';

let db: TestDatabase;
let w: TestWorker | undefined;
const adminPools: StorePools[] = [];

beforeAll(async () => {
  db = await createTestDatabase('fairness');
});
afterAll(async () => {
  await w?.stop();
  await Promise.all(adminPools.map((p) => p.closeAll()));
  await db.drop();
});

test('20 tenants x 40 messages: no tenant finishes later than 1.5x the median tenant', async () => {
  const tenants: Tenant[] = [];
  for (let i = 0; i < 20; i++) {
    const tenant = pgTenant(`f${i}`, db.url, `fair_${i}`);
    const { store, pools } = adminStore(tenant);
    adminPools.push(pools);
    await store.migrate();
    await sql(
      db.url,
      `INSERT INTO "fair_${i}"."QueueMessages" ("Id","TenantId","MessageType","Payload","ScheduledTime","ProcessingAttempts","Status","CreatedAt")
       SELECT gen_random_uuid(), $1, 'Work', '{}', now(), 0, 'Pending', now() FROM generate_series(1, 40)`,
      [tenant.id],
    );
    tenants.push(tenant);
  }
  const order: string[] = [];
  const h: Handler = {
    type: 'Work',
    transactional: false,
    handle: async (m) => {
      order.push(m.tenantId);
      await new Promise((r) => setTimeout(r, 1));
    },
  };
  w = startTestWorker(tenants, [h], { concurrency: 4, batchSize: 10, prefetch: 8 });
  await waitFor(() => order.length >= 800, { timeoutMs: 60_000, what: 'all 800 messages handled' });

  const last = new Map<string, number>();
  order.forEach((tenant, i) => last.set(tenant, i + 1));
  const finish = [...last.values()].sort((a, b) => a - b);
  const median = finish[Math.floor(finish.length / 2)]!;
  expect(finish).toHaveLength(20);
  expect(finish[finish.length - 1]! / median).toBeLessThanOrEqual(1.5);
});
