/**
 * The engine's guarantees, end to end inside one process: real Worker, real PostgreSQL store,
 * real handlers. (Multi-process and crash tests live in test/e2e and test/reliability.)
 */
import type { PoolClient } from 'pg';
import { PermanentError } from '../../src/errors';
import type { Handler } from '../../src/handlers/types';
import type { QueueStore } from '../../src/store/types';
import type { Tenant } from '../../src/tenants/types';
import { adminStore, pgTenant, sql, startTestWorker, waitFor, type TestWorker, useWorkerTestBed } from '../support/worker-fixtures';

const bed = useWorkerTestBed('worker');
const { workers: running, adminPools } = bed;

let schemaCounter = 0;

/** A fresh tenant (its own schema) with a migrated queue table and an Effects table for handlers. */
async function freshTenant(id = `t${++schemaCounter}`): Promise<{ tenant: Tenant; store: QueueStore }> {
  const schema = `s_${id}_${schemaCounter}`;
  const tenant = pgTenant(id, bed.db.url, schema);
  const { store, pools } = adminStore(tenant);
  adminPools.push(pools);
  await store.migrate();
  await sql(bed.db.url, `CREATE TABLE "${schema}"."Effects" ("MessageId" uuid PRIMARY KEY, "Note" text)`);
  return { tenant, store };
}

function worker(tenants: Tenant[], handlers: Handler[], options = {}, wrapStore?: (store: QueueStore) => QueueStore): TestWorker {
  const w = startTestWorker(tenants, handlers, options, wrapStore);
  running.push(w);
  return w;
}

async function statusOf(store: QueueStore, id: string) {
  const row = await store.getMessage(id);
  if (!row) throw new Error(`message ${id} not found`);
  return row;
}

async function untilStatus(store: QueueStore, id: string, status: string) {
  return waitFor(
    async () => {
      const row = await statusOf(store, id);
      return row.status === status ? row : undefined;
    },
    { what: `message ${id} to become ${status}` },
  );
}

test("a transactional handler's writes commit together with Completed, exactly once", async () => {
  const { tenant, store } = await freshTenant();
  const effects: Handler = {
    type: 'Effect',
    async handle(message, ctx) {
      const client = ctx.db as PoolClient;
      await client.query(`INSERT INTO "${tenant.schema}"."Effects" ("MessageId", "Note") VALUES ($1, $2)`, [
        message.id,
        (message.payload as { note: string }).note,
      ]);
    },
  };
  const ids = await Promise.all(
    Array.from({ length: 30 }, (_, i) => store.enqueue({ tenantId: tenant.id, messageType: 'Effect', payload: { note: `n${i}` } })),
  );
  worker([tenant], [effects], { concurrency: 5 });
  for (const id of ids) await untilStatus(store, id, 'Completed');
  const rows = await sql<{ n: string }>(bed.db.url, `SELECT count(*)::text AS n FROM "${tenant.schema}"."Effects"`);
  expect(rows[0]!.n).toBe('30');
});

test('a transactional handler that throws rolls its writes back and the retry applies them once', async () => {
  const { tenant, store } = await freshTenant();
  const seenAttempts: number[] = [];
  const flaky: Handler = {
    type: 'Flaky',
    async handle(message, ctx) {
      seenAttempts.push(message.attempt);
      await (ctx.db as PoolClient).query(`INSERT INTO "${tenant.schema}"."Effects" ("MessageId") VALUES ($1)`, [message.id]);
      if (message.attempt < 3) throw new Error(`transient failure ${message.attempt}`);
    },
  };
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Flaky', payload: {} });
  worker([tenant], [flaky]);
  const row = await untilStatus(store, id, 'Completed');
  expect(seenAttempts).toEqual([1, 2, 3]);
  expect(row.processingAttempts).toBe(3);
  const effects = await sql(bed.db.url, `SELECT * FROM "${tenant.schema}"."Effects"`);
  expect(effects).toHaveLength(1);
});

test('a failed attempt becomes Failed with ErrorMessage and a backed-off ScheduledTime, then is picked up again', async () => {
  const { tenant, store } = await freshTenant();
  let calls = 0;
  const failOnce: Handler = {
    type: 'FailOnce',
    backoffBaseMs: 1500,
    backoffMaxMs: 1500,
    async handle() {
      calls += 1;
      if (calls === 1) throw new Error('first attempt fails');
    },
  };
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'FailOnce', payload: {} });
  worker([tenant], [failOnce]);
  const failed = await untilStatus(store, id, 'Failed');
  expect(failed.errorMessage).toContain('attempt 1 of 5 failed: first attempt fails');
  // Equal jitter: the retry is due between half and all of the 1.5 s base after the attempt.
  const delay = failed.scheduledTime.getTime() - failed.lastAttemptTime!.getTime();
  expect(delay).toBeGreaterThanOrEqual(700);
  expect(delay).toBeLessThanOrEqual(1600);
  const done = await untilStatus(store, id, 'Completed');
  expect(done.processingAttempts).toBe(2);
  expect(calls).toBe(2);
});

test('a message failing every attempt is dead-lettered after maxAttempts with the last error', async () => {
  const { tenant, store } = await freshTenant();
  let calls = 0;
  const broken: Handler = {
    type: 'Broken',
    maxAttempts: 3,
    async handle(m) {
      calls += 1;
      throw new Error(`broken on attempt ${m.attempt}`);
    },
  };
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Broken', payload: {} });
  const w = worker([tenant], [broken]);
  const row = await untilStatus(store, id, 'DeadLetter');
  expect(calls).toBe(3);
  expect(row.processingAttempts).toBe(3);
  expect(row.errorMessage).toContain('after 3 of 3 attempts');
  expect(row.errorMessage).toContain('broken on attempt 3');
  const text = await w.metrics.registry.metrics();
  expect(text).toMatch(new RegExp(`tqw_messages_processed_total\\{[^}]*outcome="retried"[^}]*\\} 2`));
  expect(text).toMatch(new RegExp(`tqw_messages_processed_total\\{[^}]*outcome="dead_lettered"[^}]*\\} 1`));
});

test('PermanentError and an invalid JSON payload dead-letter on the first attempt', async () => {
  const { tenant, store } = await freshTenant();
  const handled: string[] = [];
  const strict: Handler = {
    type: 'Strict',
    async handle(m) {
      handled.push(m.id);
      throw new PermanentError('customer no longer exists');
    },
  };
  const permanent = await store.enqueue({ tenantId: tenant.id, messageType: 'Strict', payload: { ok: true } });
  const invalid = await store.enqueue({ tenantId: tenant.id, messageType: 'Strict', payload: '{"not json' });
  worker([tenant], [strict]);
  const p = await untilStatus(store, permanent, 'DeadLetter');
  expect(p.processingAttempts).toBe(1);
  expect(p.errorMessage).toContain('customer no longer exists');
  const i = await untilStatus(store, invalid, 'DeadLetter');
  expect(i.processingAttempts).toBe(1);
  expect(i.errorMessage).toMatch(/Payload is not valid JSON/);
  expect(handled).toEqual([permanent]);
});

test('a row whose TenantId is another tenant is never handled: dead-lettered and logged as a security event', async () => {
  const { tenant, store } = await freshTenant('alpha');
  const handled: string[] = [];
  const h: Handler = { type: 'Any', handle: (m) => void handled.push(m.id) };
  const foreign = await store.enqueue({ tenantId: 'mallory', messageType: 'Any', payload: {} });
  const own = await store.enqueue({ tenantId: tenant.id, messageType: 'Any', payload: {} });
  const w = worker([tenant], [h]);
  const row = await untilStatus(store, foreign, 'DeadLetter');
  await untilStatus(store, own, 'Completed');
  expect(handled).toEqual([own]);
  expect(row.errorMessage).toContain("row TenantId 'mallory' does not match tenant 'alpha'");
  const line = w.logs.find((l) => l.securityEvent === 'tenant_mismatch');
  expect(line).toMatchObject({ tenant: 'alpha', messageId: foreign, rowTenantId: 'mallory', type: 'Any' });
});

test('routing by type: each worker claims only the types its handlers serve; an unserved type stays Pending, untouched, and is not claimed again and again', async () => {
  const { tenant, store } = await freshTenant();
  const mail: string[] = [];
  const reports: string[] = [];
  const email = await store.enqueue({ tenantId: tenant.id, messageType: 'SendEmail', payload: {} });
  const report = await store.enqueue({ tenantId: tenant.id, messageType: 'Report', payload: {} });
  const orphan = await store.enqueue({ tenantId: tenant.id, messageType: 'NotDeployedYet', payload: {} });
  // Counts every claim statement the mail worker sends, to show the unserved row costs no claims.
  let claims = 0;
  const counting = (s: QueueStore): QueueStore => ({ ...s, claim: (o) => (claims++, s.claim(o)) });
  worker([tenant], [{ type: 'SendEmail', handle: (m) => void mail.push(m.id) }], { pollMaxMs: 100 }, counting);
  worker([tenant], [{ type: 'Report', handle: (m) => void reports.push(m.id) }]);
  await untilStatus(store, email, 'Completed');
  await untilStatus(store, report, 'Completed');
  expect(mail).toEqual([email]);
  expect(reports).toEqual([report]);
  const claimsAfterDrain = claims;
  await new Promise((r) => setTimeout(r, 600));
  const left = await statusOf(store, orphan);
  expect(left).toMatchObject({ status: 'Pending', processingAttempts: 0, errorMessage: null });
  // Parked: its probe counts only SendEmail work, so the orphan wakes nobody (a spin would claim every turn).
  expect(claims - claimsAfterDrain).toBeLessThanOrEqual(1);
  expect((await store.stats()).waitingByType).toEqual({ NotDeployedYet: 1 });
  // A worker that serves the type takes it.
  worker([tenant], [{ type: 'NotDeployedYet', handle: () => undefined }]);
  await untilStatus(store, orphan, 'Completed');
});

test('every failed attempt is kept in the error history with its code, the last one beside the dead letter', async () => {
  const { tenant, store } = await freshTenant();
  let calls = 0;
  const flaky: Handler = {
    type: 'Flaky',
    maxAttempts: 2,
    handle() {
      calls += 1;
      throw Object.assign(new Error(`failure ${calls}`), { code: `E_FLAKY_${calls}` });
    },
  };
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Flaky', payload: {} });
  worker([tenant], [flaky], { backoffBaseMs: 10, backoffMaxMs: 20 });
  await untilStatus(store, id, 'DeadLetter');
  const history = (await store.errorHistory([id])).get(id)!;
  expect(history.map((e) => [e.attempt, e.code])).toEqual([
    [1, 'E_FLAKY_1'],
    [2, 'E_FLAKY_2'],
  ]);
  expect(history[0]!.error).toContain('failure 1');
  expect(history[1]!.error).toContain('failure 2');
});

test('a worker without handlers claims nothing', async () => {
  const { tenant, store } = await freshTenant();
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Any', payload: {} });
  worker([tenant], []);
  await new Promise((r) => setTimeout(r, 400));
  expect(await statusOf(store, id)).toMatchObject({ status: 'Pending', processingAttempts: 0 });
});

test('a handler that runs past its timeout sees its signal abort and the attempt fails', async () => {
  const { tenant, store } = await freshTenant();
  let aborted = false;
  const slow: Handler = {
    type: 'Slow',
    timeoutMs: 200,
    maxAttempts: 1,
    handle: (_m, ctx) =>
      new Promise<void>((resolve) => {
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        });
      }),
  };
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Slow', payload: {} });
  worker([tenant], [slow]);
  const row = await untilStatus(store, id, 'DeadLetter');
  expect(aborted).toBe(true);
  expect(row.errorMessage).toContain('timed out after 200 ms');
});

test('a message abandoned by a crashed worker is reclaimed after its lease expires', async () => {
  const { tenant, store } = await freshTenant();
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Work', payload: {} });
  // Another "worker" claims it and dies without finishing.
  const [abandoned] = await store.claim({ limit: 1, leaseMs: 500 });
  expect(abandoned!.id).toBe(id);
  const handled: number[] = [];
  worker([tenant], [{ type: 'Work', handle: (m) => void handled.push(m.attempt) }], { leaseMs: 500 });
  const row = await untilStatus(store, id, 'Completed');
  expect(handled).toEqual([2]);
  expect(row.processingAttempts).toBe(2);
});

test('a message claimed more often than maxAttempts (it kills its worker) is dead-lettered without running the handler', async () => {
  const { tenant, store } = await freshTenant();
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Killer', payload: {} });
  for (let i = 0; i < 3; i++) {
    await store.claim({ limit: 1, leaseMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
  }
  const handled: string[] = [];
  worker([tenant], [{ type: 'Killer', maxAttempts: 3, handle: (m) => void handled.push(m.id) }], { leaseMs: 1 });
  const row = await untilStatus(store, id, 'DeadLetter');
  expect(handled).toEqual([]);
  expect(row.processingAttempts).toBe(4);
  expect(row.errorMessage).toContain('more than maxAttempts 3');
});

test('a non-transactional handler keeps its lease by heartbeat: no second worker takes it while it runs', async () => {
  const { tenant, store } = await freshTenant();
  const starts: string[] = [];
  const long: Handler = {
    type: 'External',
    transactional: false,
    async handle(m, ctx) {
      expect(ctx.db).toBeUndefined();
      starts.push(m.id);
      await new Promise((r) => setTimeout(r, 1500));
    },
  };
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'External', payload: {} });
  worker([tenant], [long], { leaseMs: 300 });
  worker([tenant], [long], { leaseMs: 300 });
  const row = await untilStatus(store, id, 'Completed');
  expect(starts).toEqual([id]);
  expect(row.processingAttempts).toBe(1);
});

test('graceful stop lets in-flight handlers finish before the deadline', async () => {
  const { tenant, store } = await freshTenant();
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Quick', payload: {} });
  let started!: () => void;
  const startedP = new Promise<void>((r) => (started = r));
  const w = worker(
    [tenant],
    [
      {
        type: 'Quick',
        handle: async () => {
          started();
          await new Promise((r) => setTimeout(r, 300));
        },
      },
    ],
  );
  await startedP;
  await w.stop();
  expect((await statusOf(store, id)).status).toBe('Completed');
});

test('at the drain deadline handlers are aborted and their messages released for another worker at once', async () => {
  const { tenant, store } = await freshTenant();
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Stuck', payload: {} });
  let started!: () => void;
  const startedP = new Promise<void>((r) => (started = r));
  let sawAbort = false;
  const stuck: Handler = {
    type: 'Stuck',
    handle: (_m, ctx) =>
      new Promise<void>((_resolve, reject) => {
        started();
        ctx.signal.addEventListener('abort', () => {
          sawAbort = true;
          reject(ctx.signal.reason);
        });
      }),
  };
  const w = worker([tenant], [stuck], { shutdownTimeoutMs: 300, leaseMs: 60_000 });
  await startedP;
  await w.stop();
  expect(sawAbort).toBe(true);
  const row = await statusOf(store, id);
  expect(row.status).toBe('Pending');
  expect(row.processingAttempts).toBe(0);
  expect(row.scheduledTime.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  // Due now: another worker's claim takes it immediately, long before the 60 s lease would have expired.
  const [again] = await store.claim({ limit: 1, leaseMs: 60_000 });
  expect(again?.id).toBe(id);
});

test('one tenant whose database is unreachable is reported down while another keeps completing', async () => {
  const { tenant: good, store } = await freshTenant('good');
  const badUrl = new URL(bed.db.url);
  badUrl.password = 'wrong-password-123';
  const bad = pgTenant('bad', badUrl.toString(), 'nowhere');
  const ids = await Promise.all(Array.from({ length: 10 }, () => store.enqueue({ tenantId: 'good', messageType: 'Ok', payload: {} })));
  const w = worker([good, bad], [{ type: 'Ok', handle: () => undefined }]);
  for (const id of ids) await untilStatus(store, id, 'Completed');
  const statuses = await waitFor(() => {
    const s = w.worker.tenantStatuses();
    return s.find((t) => t.id === 'bad')?.consecutiveFailures ? s : undefined;
  });
  expect(statuses.find((t) => t.id === 'good')).toMatchObject({ state: 'up', consecutiveFailures: 0 });
  expect(statuses.find((t) => t.id === 'bad')).toMatchObject({ state: 'down' });
  expect(statuses.find((t) => t.id === 'bad')!.lastError).toBeTruthy();
});

test('per-tenant concurrency keeps one busy tenant from taking every slot', async () => {
  const { tenant: busy, store: busyStore } = await freshTenant('busy');
  const { tenant: quiet, store: quietStore } = await freshTenant('quiet');
  let maxBusy = 0;
  let current = 0;
  const h: Handler = {
    type: 'Job',
    async handle(m) {
      if (m.tenantId === 'busy') {
        current += 1;
        maxBusy = Math.max(maxBusy, current);
        await new Promise((r) => setTimeout(r, 50));
        current -= 1;
      }
    },
  };
  for (let i = 0; i < 40; i++) await busyStore.enqueue({ tenantId: 'busy', messageType: 'Job', payload: {} });
  const w = worker([busy, quiet], [h], { concurrency: 4, tenantConcurrency: 2 });
  const q = await quietStore.enqueue({ tenantId: 'quiet', messageType: 'Job', payload: {} });
  await untilStatus(quietStore, q, 'Completed');
  await waitFor(async () => (await busyStore.depth()).Pending === 0 && w.worker.inflightCount === 0, { what: 'busy tenant drained' });
  expect(maxBusy).toBe(2);
});

test('setTenants starts new tenants and drains removed ones', async () => {
  const { tenant: a, store: aStore } = await freshTenant('a');
  const { tenant: b, store: bStore } = await freshTenant('b');
  const w = worker([a], [{ type: 'J', handle: () => undefined }]);
  const bId = await bStore.enqueue({ tenantId: 'b', messageType: 'J', payload: {} });
  await new Promise((r) => setTimeout(r, 200));
  expect((await statusOf(bStore, bId)).status).toBe('Pending');
  expect(w.worker.setTenants([a, b])).toEqual({ added: ['b'], removed: [], changed: [] });
  await untilStatus(bStore, bId, 'Completed');
  expect(w.worker.setTenants([b])).toEqual({ added: [], removed: ['a'], changed: [] });
  const aId = await aStore.enqueue({ tenantId: 'a', messageType: 'J', payload: {} });
  await new Promise((r) => setTimeout(r, 300));
  expect((await statusOf(aStore, aId)).status).toBe('Pending');
  expect(w.worker.tenantStatuses().map((t) => t.id)).toEqual(['b']);
});

test('messages taken over from an expired lease run one at a time, alone, and the others are given back meanwhile', async () => {
  const { tenant, store } = await freshTenant();
  // A crashed worker left 3 messages Processing; 10 fresh ones are due too.
  const stranded: string[] = [];
  for (let i = 0; i < 3; i++) stranded.push(await store.enqueue({ tenantId: tenant.id, messageType: 'Job', payload: { stranded: true } }));
  expect(await store.claim({ limit: 3, leaseMs: 300 })).toHaveLength(3);
  for (let i = 0; i < 10; i++) await store.enqueue({ tenantId: tenant.id, messageType: 'Job', payload: {} });
  await new Promise((r) => setTimeout(r, 400));

  let running = 0;
  let strandedRunning = false;
  const overlaps: string[] = [];
  const h: Handler = {
    type: 'Job',
    transactional: false,
    async handle(m) {
      const isStranded = (m.payload as { stranded?: boolean }).stranded === true;
      running += 1;
      // A stranded message starting next to any other handler, or any handler starting next to it.
      if ((isStranded && running > 1) || strandedRunning) overlaps.push(m.id);
      if (isStranded) strandedRunning = true;
      await new Promise((r) => setTimeout(r, 30));
      if (isStranded) strandedRunning = false;
      running -= 1;
    },
  };
  worker([tenant], [h], { leaseMs: 300, concurrency: 5, batchSize: 10, prefetch: 10 });
  for (const id of stranded) {
    const row = await untilStatus(store, id, 'Completed');
    expect(row.processingAttempts).toBe(2);
  }
  await waitFor(async () => (await store.depth()).Pending === 0 && (await store.depth()).Processing === 0, { what: 'all done' });
  expect(overlaps).toEqual([]);
  // Fresh messages given back during the quarantine kept their attempt count: each ran exactly once.
  const { counts } = await store.stats();
  expect(counts.Completed).toBe(13);
  const rows = await sql<{ n: number }>(
    bed.db.url,
    `SELECT count(*)::int AS n FROM "${tenant.schema}"."QueueMessages" WHERE "ProcessingAttempts" > 1 AND NOT ("Payload" LIKE '%stranded%')`,
  );
  expect(rows[0]!.n).toBe(0);
});

test("a transactional handler's connection killed mid-handler (server restart) fails that attempt only: no crash, the message is done later", async () => {
  const { tenant, store } = await freshTenant();
  let calls = 0;
  let release!: () => void;
  const inHandler = new Promise<void>((r) => (release = r));
  const h: Handler = {
    type: 'Tx',
    async handle(_m, ctx) {
      calls += 1;
      if (calls === 1) {
        release();
        await new Promise((r) => setTimeout(r, 600));
      }
      await (ctx.db as PoolClient).query('SELECT 1');
    },
  };
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Tx', payload: {} });
  const w = worker([tenant], [h], { leaseMs: 1_000 });
  await inHandler;
  // The session of the handler's transaction ends while no query of ours runs on it.
  await sql(
    bed.db.url,
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`,
  );
  const row = await untilStatus(store, id, 'Completed');
  expect(row.processingAttempts).toBe(2);
  expect(w.worker.currentPhase).toBe('running');
});

test("a handler's retryPolicy replaces parts of the default: its delay and what counts as permanent", async () => {
  const { tenant, store } = await freshTenant();
  const attempts: number[] = [];
  const h: Handler = {
    type: 'Custom',
    maxAttempts: 10,
    retryPolicy: { delayMs: () => 0, isPermanent: (err) => (err as Error).message === 'give up' },
    handle(message) {
      attempts.push(message.attempt);
      throw new Error(message.attempt < 3 ? 'try again' : 'give up');
    },
  };
  const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Custom', payload: {} });
  worker([tenant], [h], { backoffBaseMs: 60_000, backoffMaxMs: 60_000 });
  const row = await untilStatus(store, id, 'DeadLetter');
  // Retried at once (the default would have waited 30-60 s), then dead-lettered by its own rule on attempt 3 of 10.
  expect(attempts).toEqual([1, 2, 3]);
  expect(row.errorMessage).toMatch(/^permanent failure on attempt 3: give up/);
});
