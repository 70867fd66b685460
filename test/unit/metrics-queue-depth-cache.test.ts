/**
 * QueueDepthCache's scheduling (interval, concurrency bound, timeouts, pruning) against stand-in objects that
 * implement only depth(), the one QueueStore method the cache uses: they make call counts and exact overlap
 * observable. The same behaviours against real PostgreSQL stores: metrics-queue-depth-postgres.test.ts.
 */
import { DepthQueryTimeoutError, QueueDepthCache, type QueueDepth } from '../../src/metrics/queue-depth-cache';

function depth(pending: number): QueueDepth {
  return { Pending: pending, Processing: 0, Failed: 0, DeadLetter: 0 };
}

/** A store whose depth() answers `calls` (1, 2, 3, ...) as Pending, so each refresh is visible. */
function countingStore() {
  const store = { calls: 0, depth: async () => depth(++store.calls) };
  return store;
}

/** A store whose depth() waits until the test releases it. */
function gatedStore() {
  const pending: Array<() => void> = [];
  let running = 0;
  let maxRunning = 0;
  const store = {
    calls: 0,
    get maxRunning() {
      return maxRunning;
    },
    depth: () =>
      new Promise<QueueDepth>((resolve) => {
        store.calls += 1;
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        pending.push(() => {
          running -= 1;
          resolve(depth(100));
        });
      }),
    releaseAll: () => pending.splice(0).forEach((release) => release()),
  };
  return store;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('QueueDepthCache', () => {
  let cache: QueueDepthCache | undefined;
  afterEach(() => cache?.stop());

  it('refreshes every tenant at start and then on its interval', async () => {
    const a = countingStore();
    const b = countingStore();
    cache = new QueueDepthCache({
      intervalMs: 20,
      stores: () => [
        { tenantId: 'a', store: a },
        { tenantId: 'b', store: b },
      ],
    });
    expect(cache.get('a')).toBeUndefined();
    cache.start();
    await waitFor(() => (cache!.get('a')?.Pending ?? 0) >= 3 && (cache!.get('b')?.Pending ?? 0) >= 3, 'three refreshes');
    expect(cache.get('a')).toEqual(depth(a.calls));
  });

  it('never queries on get(): reading the cache costs no query', async () => {
    const a = countingStore();
    cache = new QueueDepthCache({ intervalMs: 60_000, stores: () => [{ tenantId: 'a', store: a }] });
    await cache.refresh();
    for (let i = 0; i < 10; i += 1) expect(cache.get('a')).toEqual(depth(1));
    expect(a.calls).toBe(1);
  });

  it('isolates a failing tenant: the others are refreshed, its depth is dropped and reported', async () => {
    const good = countingStore();
    let fail = false;
    const flaky = { depth: async () => (fail ? Promise.reject(new Error('connection refused')) : depth(9)) };
    const errors: Array<[string, unknown]> = [];
    cache = new QueueDepthCache({
      intervalMs: 60_000,
      stores: () => [
        { tenantId: 'flaky', store: flaky },
        { tenantId: 'good', store: good },
      ],
      onError: (tenantId, err) => errors.push([tenantId, err]),
    });

    await cache.refresh();
    expect(cache.get('flaky')).toEqual(depth(9));
    expect(errors).toEqual([]);

    fail = true;
    await cache.refresh();
    expect(cache.get('flaky')).toBeUndefined(); // no stale depth for a tenant that cannot be read
    expect(cache.get('good')).toEqual(depth(2));
    expect(errors).toHaveLength(1);
    expect(errors[0]![0]).toBe('flaky');
    expect((errors[0]![1] as Error).message).toBe('connection refused');
  });

  it('does not let a hanging tenant delay the others, nor queries pile up on it', async () => {
    const hanging = gatedStore();
    const good = countingStore();
    const errors: Array<[string, unknown]> = [];
    cache = new QueueDepthCache({
      intervalMs: 60_000,
      timeoutMs: 50,
      concurrency: 1, // even with one slot, the hanging tenant only holds it for timeoutMs
      stores: () => [
        { tenantId: 'hanging', store: hanging },
        { tenantId: 'good', store: good },
      ],
      onError: (tenantId, err) => errors.push([tenantId, err]),
    });

    await cache.refresh();
    expect(cache.get('good')).toEqual(depth(1));
    expect(cache.get('hanging')).toBeUndefined();
    expect(errors.map(([tenantId]) => tenantId)).toEqual(['hanging']);
    expect(errors[0]![1]).toBeInstanceOf(DepthQueryTimeoutError);

    // Its query still runs: the next refresh skips it instead of sending another one.
    await cache.refresh();
    expect(hanging.calls).toBe(1);
    expect(cache.get('good')).toEqual(depth(2));

    // When it finally answers, the (late) answer is used.
    hanging.releaseAll();
    await waitFor(() => cache!.get('hanging') !== undefined, 'the late answer');
    expect(cache.get('hanging')).toEqual(depth(100));
  });

  it('runs at most `concurrency` queries at once in one refresh', async () => {
    const store = gatedStore();
    const tenants = ['a', 'b', 'c', 'd', 'e'].map((tenantId) => ({ tenantId, store }));
    cache = new QueueDepthCache({ intervalMs: 60_000, concurrency: 2, stores: () => tenants });
    const refreshed = cache.refresh();
    // Release answers as they come until every tenant was queried.
    await waitFor(() => {
      store.releaseAll();
      return store.calls === 5;
    }, 'all five queries');
    store.releaseAll();
    await refreshed;
    expect(store.maxRunning).toBe(2);
    for (const { tenantId } of tenants) expect(cache.get(tenantId)).toEqual(depth(100));
  });

  it('follows the tenant map: a removed tenant is forgotten at the next refresh', async () => {
    let tenants = [
      { tenantId: 'a', store: countingStore() },
      { tenantId: 'b', store: countingStore() },
    ];
    cache = new QueueDepthCache({ intervalMs: 60_000, stores: () => tenants });
    await cache.refresh();
    expect(cache.get('b')).toBeDefined();
    tenants = tenants.filter((t) => t.tenantId !== 'b');
    await cache.refresh();
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual(depth(2));
  });

  it('asks waitingByType only of a tenant with Pending or Failed messages, and keeps it with the depth', async () => {
    const asked: string[] = [];
    const store = (pending: number, id: string) => ({
      depth: async () => depth(pending),
      waitingByType: async () => (asked.push(id), { Report: pending }),
    });
    cache = new QueueDepthCache({
      intervalMs: 60_000,
      stores: () => [
        { tenantId: 'busy', store: store(2, 'busy') },
        { tenantId: 'idle', store: store(0, 'idle') },
      ],
    });
    await cache.refresh();
    expect(asked).toEqual(['busy']);
    expect(cache.get('busy')).toEqual({ ...depth(2), waitingByType: { Report: 2 } });
    expect(cache.get('idle')).toEqual(depth(0));
  });

  it('stops refreshing after stop()', async () => {
    const a = countingStore();
    cache = new QueueDepthCache({ intervalMs: 10, stores: () => [{ tenantId: 'a', store: a }] });
    cache.start();
    await waitFor(() => a.calls >= 2, 'two refreshes');
    cache.stop();
    const calls = a.calls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(a.calls).toBe(calls);
  });

  it('rejects nonsensical options', () => {
    const stores = () => [];
    expect(() => new QueueDepthCache({ stores, intervalMs: 0 })).toThrow(/intervalMs must be a positive number/);
    expect(() => new QueueDepthCache({ stores, concurrency: -1 })).toThrow(/concurrency/);
    expect(() => new QueueDepthCache({ stores, timeoutMs: Number.NaN })).toThrow(/timeoutMs/);
  });
});
