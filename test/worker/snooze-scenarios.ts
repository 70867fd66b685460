/**
 * Snoozes end to end (a handler returning snooze(ms)), the same cases on each store: a real Worker,
 * a real database, real handlers. snooze.test.ts runs them on PostgreSQL, snooze-sqlserver.test.ts
 * on SQL Server (MSSQL_URL).
 */
import { snooze } from '../../src/handlers/snooze';
import type { Handler } from '../../src/handlers/types';
import type { QueueStore } from '../../src/store/types';
import type { Tenant } from '../../src/tenants/types';
import type { WorkerOptions } from '../../src/worker/options';
import { waitFor, type TestWorker } from '../support/worker-fixtures';

/** What a dialect provides: fresh tenants with an Effects table, workers cleaned up after each test. */
export interface SnoozeFixture {
  /** A fresh tenant (its own table) with a migrated queue table and an Effects (MessageId primary key) table. */
  freshTenant(): Promise<{ tenant: Tenant; store: QueueStore }>;
  /** Inserts the effect row of `messageId` through a transactional handler's ctx.db. */
  insertEffect(tenant: Tenant, db: unknown, messageId: string, note: string): Promise<void>;
  /** The committed effect rows' notes of `messageId`. */
  effects(tenant: Tenant, messageId: string): Promise<string[]>;
  /** Starts a worker (stopped by the fixture after each test). */
  worker(tenants: Tenant[], handlers: Handler[], options?: Partial<WorkerOptions>): TestWorker;
}

async function untilStatus(store: QueueStore, id: string, status: string) {
  return waitFor(
    async () => {
      const row = await store.getMessage(id);
      return row?.status === status ? row : undefined;
    },
    { what: `message ${id} to become ${status}` },
  );
}

/** The value of tqw_messages_processed_total for `outcome` (0 when the series does not exist). */
async function processed(w: TestWorker, outcome: string): Promise<number> {
  const text = await w.metrics.registry.metrics();
  const match = new RegExp(`^tqw_messages_processed_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

export function describeSnoozeScenarios(fx: SnoozeFixture): void {
  test("a transactional handler that snoozes twice then completes: attempts stay 1, SnoozeCount 2, the snoozed attempts' writes rolled back", async () => {
    const { tenant, store } = await fx.freshTenant();
    const seen: Array<{ attempt: number; at: number }> = [];
    const waiting: Handler = {
      type: 'WaitsForResource',
      async handle(message, ctx) {
        seen.push({ attempt: message.attempt, at: Date.now() });
        // The Effects primary key is the message id: were a snoozed call's row committed, the
        // next call's INSERT would fail and count an attempt.
        await fx.insertEffect(tenant, ctx.db, message.id, `call ${seen.length}`);
        if (seen.length < 3) return snooze(300);
      },
    };
    const id = await store.enqueue({ tenantId: tenant.id, messageType: 'WaitsForResource', payload: {} });
    const w = fx.worker([tenant], [waiting]);
    const done = await untilStatus(store, id, 'Completed');

    expect(done).toMatchObject({ processingAttempts: 1, snoozeCount: 2 });
    expect(seen.map((s) => s.attempt)).toEqual([1, 1, 1]);
    // Each run waited for its snooze (by the database clock; a few ms of slack for the two clocks).
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(280);
    expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(280);
    expect(await fx.effects(tenant, id)).toEqual(['call 3']);
    expect(await processed(w, 'snoozed')).toBe(2);
    expect(await processed(w, 'completed')).toBe(1);
    expect(await processed(w, 'retried')).toBe(0);
    const line = w.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('message snoozed'));
    expect(line).toMatchObject({ tenant: tenant.id, messageId: id, type: 'WaitsForResource', snoozeMs: 300, snoozeCount: 1 });
    expect((await store.errorHistory([id])).get(id)).toEqual([]);
  });

  test('a non-transactional handler snoozes without counting an attempt, and a later failure still counts from 1', async () => {
    const { tenant, store } = await fx.freshTenant();
    const attempts: number[] = [];
    const external: Handler = {
      type: 'External',
      transactional: false,
      handle(message) {
        attempts.push(message.attempt);
        if (attempts.length === 1) return snooze(0);
        if (attempts.length === 2) throw new Error('the resource answered 503');
        return undefined;
      },
    };
    const id = await store.enqueue({ tenantId: tenant.id, messageType: 'External', payload: {} });
    fx.worker([tenant], [external], { backoffBaseMs: 10, backoffMaxMs: 20 });
    const done = await untilStatus(store, id, 'Completed');
    expect(done).toMatchObject({ processingAttempts: 2, snoozeCount: 1 });
    expect(attempts).toEqual([1, 1, 2]);
    expect((await store.errorHistory([id])).get(id)!.map((e) => e.attempt)).toEqual([1]);
  });

  test('a snooze beyond worker.maxSnoozes dead-letters the message with TQW_SNOOZE_LIMIT, saying what to do', async () => {
    const { tenant, store } = await fx.freshTenant();
    let calls = 0;
    const forever: Handler = {
      type: 'Forever',
      handle() {
        calls += 1;
        return snooze(0);
      },
    };
    const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Forever', payload: {} });
    const w = fx.worker([tenant], [forever], { maxSnoozes: 2 });
    const dead = await untilStatus(store, id, 'DeadLetter');
    expect(calls).toBe(3);
    expect(dead).toMatchObject({ processingAttempts: 1, snoozeCount: 2 });
    expect(dead.errorMessage).toContain(`message ${id} of type 'Forever' asked to snooze again after 2 snooze(s)`);
    expect(dead.errorMessage).toContain('maxSnoozes 2');
    expect(dead.errorMessage).toContain('TQW_MAX_SNOOZES');
    const history = (await store.errorHistory([id])).get(id)!;
    expect(history.map((e) => [e.attempt, e.code])).toEqual([[1, 'TQW_SNOOZE_LIMIT']]);
    expect(await processed(w, 'snoozed')).toBe(2);
    expect(await processed(w, 'dead_lettered')).toBe(1);

    // A requeue starts the count again: two more snoozes, then the limit again.
    expect(await store.requeueDeadLetters([id])).toBe(1);
    await waitFor(async () => calls === 6 && (await store.getMessage(id))?.status === 'DeadLetter', { what: 'the second dead letter' });
    expect(await store.getMessage(id)).toMatchObject({ processingAttempts: 1, snoozeCount: 2 });
  });

  test('an invalid snooze fails the attempt with TQW_SNOOZE_INVALID: snooze(-1) throws, a hand-made one is refused', async () => {
    const { tenant, store } = await fx.freshTenant();
    let calls = 0;
    const wrong: Handler = {
      type: 'Wrong',
      maxAttempts: 3,
      handle() {
        calls += 1;
        if (calls === 1) return snooze(-1);
        if (calls === 2) return { ...snooze(10), delayMs: -5 } as ReturnType<typeof snooze>;
        return undefined;
      },
    };
    const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Wrong', payload: {} });
    fx.worker([tenant], [wrong], { backoffBaseMs: 10, backoffMaxMs: 20 });
    const done = await untilStatus(store, id, 'Completed');
    expect(done).toMatchObject({ processingAttempts: 3, snoozeCount: 0 });
    const history = (await store.errorHistory([id])).get(id)!;
    expect(history.map((e) => [e.attempt, e.code])).toEqual([
      [1, 'TQW_SNOOZE_INVALID'],
      [2, 'TQW_SNOOZE_INVALID'],
    ]);
    expect(history[0]!.error).toContain('snooze(-1) is invalid');
    expect(history[1]!.error).toContain('snooze(-5) is invalid');
  });
}
