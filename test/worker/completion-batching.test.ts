/**
 * Batched completions of non-transactional handlers: one completeMany per flush, each fence still
 * checked on its own, and a flush that fails loses nothing (the rows stay Processing and are
 * claimed again when their lease expires). Real PostgreSQL, real stores.
 */
import type { Handler } from '../../src/handlers/types';
import type { ClaimFence, QueueStore } from '../../src/store/types';
import type { Tenant } from '../../src/tenants/types';
import { CompletionBatcher } from '../../src/worker/completion-batcher';
import { adminStore, pgTenant, sql, startTestWorker, waitFor, useWorkerTestBed } from '../support/worker-fixtures';

const bed = useWorkerTestBed('batching');
const { workers: running, adminPools } = bed;

let counter = 0;

async function freshTenant(): Promise<{ tenant: Tenant; store: QueueStore }> {
  const id = `b${++counter}`;
  const tenant = pgTenant(id, bed.db.url, `s_${id}`);
  const { store, pools } = adminStore(tenant);
  adminPools.push(pools);
  await store.migrate();
  return { tenant, store };
}

/** A store that records every completeMany call's fences (the statement itself is the real one). */
function recording(store: QueueStore, calls: ClaimFence[][]): QueueStore {
  return {
    ...store,
    completeMany: (fences) => {
      calls.push([...fences]);
      return store.completeMany(fences);
    },
  };
}

test('completions queued in one turn go out as ONE statement, and a fence that lost its lease is refused alone', async () => {
  const { tenant, store } = await freshTenant();
  for (let i = 0; i < 3; i++) await store.enqueue({ tenantId: tenant.id, messageType: 'T', payload: {} });
  const claimed = await store.claim({ limit: 3, leaseMs: 100 });
  expect(claimed).toHaveLength(3);
  await new Promise((r) => setTimeout(r, 250));
  // Another worker takes one over after its lease ran out: our fence of that one is stale.
  const takeover = await store.claim({ limit: 1, leaseMs: 100 });
  expect(takeover).toHaveLength(1);
  const stolen = takeover[0]!;
  const staleIndex = claimed.findIndex((m) => m.id === stolen.id);
  expect(staleIndex).toBeGreaterThanOrEqual(0);
  const [first, second] = claimed.filter((m) => m.id !== stolen.id) as [(typeof claimed)[0], (typeof claimed)[0]];

  const calls: ClaimFence[][] = [];
  const batcher = new CompletionBatcher(recording(store, calls));
  const results = await Promise.all([first, claimed[staleIndex]!, second].map((m) => batcher.complete(m)));
  expect(results).toEqual([true, false, true]);
  expect(calls).toHaveLength(1);
  expect(calls[0]).toHaveLength(3);
  expect((await store.getMessage(first.id))?.status).toBe('Completed');
  expect((await store.getMessage(second.id))?.status).toBe('Completed');
  expect((await store.getMessage(stolen.id))?.status).toBe('Processing');
  expect(batcher.pending).toBe(0);
});

test('a worker completes many non-transactional messages with far fewer statements than messages', async () => {
  const { tenant, store } = await freshTenant();
  const n = 300;
  await sql(
    bed.db.url,
    `INSERT INTO "${tenant.schema}"."QueueMessages" ("Id","TenantId","MessageType","Payload","ScheduledTime","ProcessingAttempts","Status","CreatedAt")
     SELECT gen_random_uuid(), $1, 'Fast', '{}', now(), 0, 'Pending', now() FROM generate_series(1, $2)`,
    [tenant.id, n],
  );
  const calls: ClaimFence[][] = [];
  const h: Handler = { type: 'Fast', transactional: false, handle: () => undefined };
  const w = startTestWorker([tenant], [h], { concurrency: 10, batchSize: 50, prefetch: 50 }, (s) => recording(s, calls));
  running.push(w);
  await waitFor(async () => (await store.depth()).Pending === 0 && (await store.depth()).Processing === 0, { what: 'all completed' });
  expect((await store.stats()).counts.Completed).toBe(n);
  expect(calls.flat()).toHaveLength(n);
  expect(calls.length).toBeLessThan(n / 2);
});

test('a failed flush loses nothing: the row stays Processing, not counted as a failed attempt, and the worker writes the completion again (the handler does not run again, no lease wait)', async () => {
  const { tenant, store } = await freshTenant();
  // A real database fault: every UPDATE to Completed fails while this constraint exists.
  await sql(
    bed.db.url,
    `ALTER TABLE "${tenant.schema}"."QueueMessages" ADD CONSTRAINT "NoCompletion" CHECK ("Status" <> 'Completed') NOT VALID`,
  );
  const attempts: number[] = [];
  const h: Handler = { type: 'Ext', transactional: false, handle: (m) => void attempts.push(m.attempt) };
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Ext', payload: {} });
  const w = startTestWorker([tenant], [h], { leaseMs: 60_000 });
  running.push(w);

  await waitFor(() => w.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('could not record the completion')), {
    what: 'the failed flush',
  });
  expect(attempts).toEqual([1]);
  const during = await store.getMessage(id);
  expect(during).toMatchObject({ status: 'Processing', processingAttempts: 1, errorMessage: null });

  await sql(bed.db.url, `ALTER TABLE "${tenant.schema}"."QueueMessages" DROP CONSTRAINT "NoCompletion"`);
  const fixed = Date.now();
  await waitFor(async () => (await store.getMessage(id))?.status === 'Completed', { what: 'completed once the database accepts it' });
  expect(Date.now() - fixed).toBeLessThan(5_000); // retried within 2 s (the backoff of an answered error), far below the lease
  expect(attempts).toEqual([1]);
  expect((await store.getMessage(id))?.processingAttempts).toBe(1);
  expect(w.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('recorded the completion of this message after'))).toBeDefined();
});

test('handlers keep running while a batched completion is on its way: finished messages do not take room from claims', async () => {
  const { tenant, store } = await freshTenant();
  const n = 400;
  await sql(
    bed.db.url,
    `INSERT INTO "${tenant.schema}"."QueueMessages" ("TenantId","MessageType","Payload","ScheduledTime","ProcessingAttempts","Status","CreatedAt")
     SELECT $1, 'Fast', '{}', now(), 0, 'Pending', now() FROM generate_series(1, $2)`,
    [tenant.id, n],
  );
  // Every completeMany waits until the gate opens: nothing is recorded Completed meanwhile.
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const gated = (s: QueueStore): QueueStore => ({ ...s, completeMany: async (fences) => (await gate, s.completeMany(fences)) });
  let handled = 0;
  const h: Handler = { type: 'Fast', transactional: false, handle: () => void (handled += 1) };
  // Room for 10 running + 40 prefetched: if finished-but-not-recorded messages counted against it,
  // the worker would stop after 50 until a completion came back.
  const w = startTestWorker([tenant], [h], { concurrency: 10, batchSize: 40, prefetch: 40 }, gated);
  running.push(w);
  await waitFor(() => handled === n, { what: `all ${n} handled while every completion waits` });
  expect((await store.depth()).Processing).toBe(n);
  open();
  await waitFor(async () => (await store.stats()).counts.Completed === n, { what: 'all completed once the gate opens' });
});
