/** QueueDepthCache over real PostgreSQL queue stores (embedded PostgreSQL, a fresh database for this file). */
import { Client, type Pool } from 'pg';
import { QueueDepthCache } from '../../src/metrics/queue-depth-cache';
import type { PoolRegistry } from '../../src/store/pool-registry';
import { createPostgresPoolRegistry, createPostgresStore } from '../../src/store/postgres';
import type { QueueStore } from '../../src/store/types';
import type { Tenant } from '../../src/tenants/types';
import { createTestDatabase, pgUrlFor, type TestDatabase } from '../support/postgres';

function tenant(id: string, url: string, schema: string | undefined): Tenant {
  const u = new URL(url);
  const redacted = new URL(url);
  redacted.password = '***';
  return {
    id,
    dialect: 'postgres',
    connectionString: url,
    schema,
    redactedConnection: redacted.toString(),
    poolKey: `postgres://${u.username}@${u.host}${u.pathname}`,
  };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('QueueDepthCache with PostgreSQL stores', () => {
  let db: TestDatabase;
  let pools: PoolRegistry<Pool>;
  let acme: QueueStore;
  let globex: QueueStore;
  let broken: QueueStore;
  let cache: QueueDepthCache | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('tqw_depth_cache');
    pools = createPostgresPoolRegistry();
    acme = createPostgresStore(tenant('acme', db.url, 'acme'), pools);
    globex = createPostgresStore(tenant('globex', db.url, 'globex'), pools);
    // A tenant whose database does not exist: every depth() fails.
    broken = createPostgresStore(tenant('broken', pgUrlFor(`${db.name}_missing`), undefined), pools);
    await acme.migrate();
    await globex.migrate();
  });

  afterAll(async () => {
    cache?.stop();
    await Promise.all([acme.close(), globex.close(), broken.close()]);
    await pools.closeAll();
    await db.drop();
  });

  it('caches each tenant’s depth by status, isolates a broken tenant, and follows new rows on its interval', async () => {
    // Rows in every status, written by enqueue and then moved with plain SQL (this test is about depth(), not
    // about the claim path).
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await acme.enqueue({ tenantId: 'acme', messageType: 'email', payload: { i } }));
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const setStatus = (id: string, status: string) =>
        client.query('UPDATE acme."QueueMessages" SET "Status" = $2 WHERE "Id" = $1', [id, status]);
      await setStatus(ids[1]!, 'Processing');
      await setStatus(ids[2]!, 'Failed');
      await setStatus(ids[3]!, 'DeadLetter');
      await setStatus(ids[4]!, 'Completed'); // not part of the depth
    } finally {
      await client.end();
    }
    await globex.enqueue({ tenantId: 'globex', messageType: 'sms', payload: {} });

    const errors: Array<[string, unknown]> = [];
    cache = new QueueDepthCache({
      intervalMs: 100,
      stores: () => [
        { tenantId: 'broken', store: broken },
        { tenantId: 'acme', store: acme },
        { tenantId: 'globex', store: globex },
      ],
      onError: (tenantId, err) => errors.push([tenantId, err]),
    });
    await cache.refresh();

    expect(cache.get('acme')).toEqual({ Pending: 1, Processing: 1, Failed: 1, DeadLetter: 1, waitingByType: { email: 2 } });
    expect(cache.get('globex')).toEqual({ Pending: 1, Processing: 0, Failed: 0, DeadLetter: 0, waitingByType: { sms: 1 } });
    expect(cache.get('broken')).toBeUndefined();
    expect(errors.map(([tenantId]) => tenantId)).toEqual(['broken']);
    expect(String((errors[0]![1] as Error).message)).toMatch(/does not exist/);

    // On its interval the cache sees rows written after the first refresh; the broken tenant keeps failing alone.
    cache.start();
    await globex.enqueue({ tenantId: 'globex', messageType: 'sms', payload: {} });
    await globex.enqueue({ tenantId: 'globex', messageType: 'sms', payload: {} });
    await waitFor(() => cache!.get('globex')?.Pending === 3, 'globex depth 3');
    expect(cache.get('acme')).toEqual({ Pending: 1, Processing: 1, Failed: 1, DeadLetter: 1, waitingByType: { email: 2 } });
    expect(errors.length).toBeGreaterThan(1);
    expect(new Set(errors.map(([tenantId]) => tenantId))).toEqual(new Set(['broken']));
  });
  it('keeps refreshing the others while one tenant’s table is locked, and uses its late answer', async () => {
    // A real hang: another session holds an ACCESS EXCLUSIVE lock on globex's table, so its depth query waits.
    const locker = new Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE globex."QueueMessages" IN ACCESS EXCLUSIVE MODE');
    let globexQueries = 0;
    const errors: Array<[string, unknown]> = [];
    const hangCache = new QueueDepthCache({
      intervalMs: 60_000,
      timeoutMs: 200,
      concurrency: 1, // one slot: the locked tenant holds it for at most timeoutMs
      stores: () => [
        { tenantId: 'globex', store: { depth: () => ((globexQueries += 1), globex.depth()) } },
        { tenantId: 'acme', store: acme },
      ],
      onError: (tenantId, err) => errors.push([tenantId, err]),
    });
    try {
      await hangCache.refresh();
      expect(hangCache.get('acme')).toEqual({ Pending: 1, Processing: 1, Failed: 1, DeadLetter: 1, waitingByType: { email: 2 } });
      expect(hangCache.get('globex')).toBeUndefined();
      expect(errors.map(([tenantId, err]) => [tenantId, (err as Error).name])).toEqual([['globex', 'DepthQueryTimeoutError']]);

      await hangCache.refresh(); // its query still waits on the lock: not sent again
      expect(globexQueries).toBe(1);

      await locker.query('ROLLBACK');
      await waitFor(() => hangCache.get('globex') !== undefined, 'the late answer after the lock is gone');
      expect(hangCache.get('globex')?.Pending).toBe(3);
    } finally {
      hangCache.stop();
      await locker.end();
    }
  });
});
