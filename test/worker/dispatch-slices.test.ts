/**
 * The worker's loop breaks its work into slices (src/worker/loop-scheduler.ts, DISPATCH_SLICE_MS): handlers
 * that finish at once must not keep the event loop from reading sockets until the whole local
 * queue has run. Real PostgreSQL, real store.
 */
import type { Handler } from '../../src/handlers/types';
import type { StorePools } from '../../src/store/create-store';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { adminStore, pgTenant, sql, startTestWorker, waitFor, type TestWorker } from '../support/worker-fixtures';

let db: TestDatabase;
let worker: TestWorker | undefined;
let pools: StorePools | undefined;

beforeAll(async () => {
  db = await createTestDatabase('slices');
});
afterAll(async () => {
  await worker?.stop();
  await pools?.closeAll();
  await db.drop();
});

test('while a long local queue of instant handlers runs, the event loop still gets turns (I/O, timers, setImmediate)', async () => {
  const tenant = pgTenant('slices', db.url, 's_slices');
  const admin = adminStore(tenant);
  pools = admin.pools;
  await admin.store.migrate();
  const n = 4_000;
  await sql(
    db.url,
    `INSERT INTO "s_slices"."QueueMessages" ("TenantId","MessageType","Payload","ScheduledTime","ProcessingAttempts","Status","CreatedAt")
     SELECT 'slices', 'Instant', '{}', now(), 0, 'Pending', now() FROM generate_series(1, $1)`,
    [n],
  );
  let handled = 0;
  // For every 100th message: how many more ran before a setImmediate it queued got its turn.
  const ranBeforeTurn: number[] = [];
  const h: Handler = {
    type: 'Instant',
    transactional: false,
    handle: () => {
      handled += 1;
      if (handled % 100 === 0) {
        const at = handled;
        setImmediate(() => ranBeforeTurn.push(handled - at));
      }
    },
  };
  worker = startTestWorker([tenant], [h], { concurrency: 10, batchSize: 2_000, prefetch: 2_000 });
  await waitFor(() => handled === n, { what: `all ${n} handled` });
  // Claims bring up to 2,000 messages (batchSize): without slices a setImmediate waited for the rest
  // of that batch (measured: up to 1,910 messages); with 1 ms slices, for about a millisecond's worth.
  expect(ranBeforeTurn.length).toBeGreaterThanOrEqual(30);
  expect(Math.max(...ranBeforeTurn)).toBeLessThan(500);
  await waitFor(async () => (await admin.store.stats()).counts.Completed === n, { what: 'all completed' });
});
