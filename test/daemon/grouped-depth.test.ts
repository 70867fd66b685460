/**
 * The queue depth gauge of many tenants in one database costs one statement per refresh
 * (GroupedDepth over StoreGroup.depth), with the same counts each tenant's own depth() gives.
 */
import { GroupedDepth } from '../../src/daemon/grouped-depth';
import { QueueDepthCache } from '../../src/metrics/queue-depth-cache';
import type { StorePools } from '../../src/store/create-store';
import type { QueueStore } from '../../src/store/types';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { adminStore, pgTenant } from '../support/worker-fixtures';

let db: TestDatabase;
const pools: StorePools[] = [];
beforeAll(async () => {
  db = await createTestDatabase('grouped_depth');
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.closeAll()));
  await db.drop();
});

test("one group statement per refresh serves every tenant of the database, with each tenant's own counts", async () => {
  const stores: Array<{ tenantId: string; store: QueueStore }> = [];
  let groupCalls = 0;
  let ownCalls = 0;
  for (let i = 0; i < 6; i++) {
    const tenant = pgTenant(`g${i}`, db.url, `gd_${i}`);
    const { store, pools: p } = adminStore(tenant);
    pools.push(p);
    await store.migrate();
    for (let k = 0; k < i; k++) await store.enqueue({ tenantId: tenant.id, messageType: 'T', payload: {} });
    if (i % 2 === 1) await store.retry((await store.claim({ limit: 1, leaseMs: 60_000 }))[0]!, { delayMs: 60_000, error: 'x' });
    stores.push({
      tenantId: tenant.id,
      store: {
        ...store,
        depth: () => {
          ownCalls += 1;
          return store.depth();
        },
        group: store.group && {
          ...store.group,
          depth: (tables) => {
            groupCalls += 1;
            return store.group!.depth(tables);
          },
        },
      },
    });
  }
  const grouped = new GroupedDepth(() => stores, 5_000);
  const cache = new QueueDepthCache({ intervalMs: 10_000, stores: () => grouped.entries() });
  await cache.refresh();
  expect(groupCalls).toBe(1);
  expect(ownCalls).toBe(0);
  // Each tenant's own counts, plus (for a tenant with waiting messages) its waiting messages by type.
  for (const { tenantId, store } of stores) {
    const depth = await store.depth();
    const expected = depth.Pending + depth.Failed > 0 ? { ...depth, waitingByType: await store.waitingByType() } : depth;
    expect(cache.get(tenantId)).toEqual(expected);
  }
  expect(cache.get('g3')).toEqual({ Pending: 2, Processing: 0, Failed: 1, DeadLetter: 0, waitingByType: { T: 3 } });
});
