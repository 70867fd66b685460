/**
 * The QueueStore contract suite: one set of tests that every store (PostgreSQL, SQL Server) must
 * pass against its real database. A dialect supplies a StoreContractFixture (the few things that
 * need its own SQL); the tests themselves only speak QueueStore.
 */
import { randomUUID } from 'node:crypto';
import { LeaseLostError } from '../../src/errors';
import type { ClaimFence, ClaimedMessage, MessageStatus, QueueStore, StoreTransaction, TenantLimits } from '../../src/store/types';
import { occurrenceId } from '../../src/schedules/occurrence-id';
import { describeTransactionGuardContract } from './transaction-guard-contract';

/** A row written by plain SQL, as a producer (or an operator) would, bypassing enqueue(). */
export interface RawRow {
  id: string;
  tenantId: string;
  messageType: string;
  /** Stored as is: may be invalid JSON. */
  payload: string;
  /** Default 'Pending'. */
  status?: MessageStatus;
  /** Default 0. */
  processingAttempts?: number;
  /** ScheduledTime = database now + this (negative: in the past). Default 0. */
  scheduledOffsetMs?: number;
  /** CreatedAt = database now + this. Default 0. */
  createdOffsetMs?: number;
  /** LastAttemptTime = database now + this, or NULL. Default NULL. */
  lastAttemptOffsetMs?: number | null;
  /** DequeueTime = database now + this, or NULL. Default NULL. */
  dequeueOffsetMs?: number | null;
  /** Default NULL. */
  errorMessage?: string | null;
}

export interface MakeStoreOptions {
  /**
   * The tenant's schema. Default: a fresh, uniquely named schema, so each store starts empty.
   * `null`: no schema, i.e. the connection's default (public / dbo), shared by all such stores.
   */
  schema?: string | null;
  /** Run migrate() before returning the store. Default true. */
  migrate?: boolean;
  /** Use the pool registry of this store (same database => one shared pool). Default: a new registry. */
  sharePoolsWith?: QueueStore;
  /** StoreOptions.deleteOnCompletion of the store (and of its peers, see openPeer). Default false. */
  deleteOnCompletion?: boolean;
  /** StoreOptions.asyncCommit of the store (and of its peers). Default false. */
  asyncCommit?: boolean;
  /** StoreOptions.asyncClaims of the store. Default DEFAULT_STORE_OPTIONS.asyncClaims (true). */
  asyncClaims?: boolean;
}

/** What a dialect provides to run the contract suite. Every store it makes is closed by afterEachTest/teardown. */
export interface StoreContractFixture {
  /** Once per suite: create the test database(s). */
  setup(): Promise<void>;
  /** After each test: close every store and pool the test opened. */
  afterEachTest(): Promise<void>;
  /** Once per suite: close everything and drop the test database(s). */
  teardown(): Promise<void>;
  /** A store for `tenantId` on its own fresh table (see MakeStoreOptions), migrated unless told otherwise. */
  makeStore(tenantId: string, options?: MakeStoreOptions): Promise<QueueStore>;
  /** Another store on the same tenant and table through its own, separate pool: another worker process (same StoreOptions). */
  openPeer(store: QueueStore): Promise<QueueStore>;
  /** Number of pools open in the registry `store` uses (PoolRegistry.size). */
  openPoolCount(store: QueueStore): number;
  /** The database server's clock. */
  dbNow(store: QueueStore): Promise<Date>;
  /** Inserts a row into the store's table by plain SQL. */
  insertRawRow(store: QueueStore, row: RawRow): Promise<void>;
  /** Creates the handler-effect table (unique message id) next to the store's queue table. */
  createEffectsTable(store: QueueStore): Promise<void>;
  /** Writes one effect row through the transaction's handle, as a transactional handler would. */
  insertEffect(store: QueueStore, tx: StoreTransaction, messageId: string): Promise<void>;
  /** Committed effect rows for `messageId`. */
  countEffects(store: QueueStore, messageId: string): Promise<number>;
  /**
   * Runs `fn` in the application's own transaction on the store's database (not one the store
   * opened): commits when `fn` resolves, rolls back when it throws (and rethrows).
   */
  callerTransaction<T>(store: QueueStore, fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
}

export interface StoreContractOptions {
  /** Register the suite as skipped (e.g. SQL Server without MSSQL_URL): reported skipped, never passed. */
  skip?: boolean;
  /**
   * The server parses table hints and ignores them (Babelfish): the tests that need a claimer to
   * skip a row another transaction holds (READPAST) are registered skipped, with this server name
   * and the reason in their names.
   */
  hintsIgnored?: { server: string; reason: string };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const LONG_LEASE = 60_000;

function fenceOf(m: ClaimedMessage): ClaimFence {
  return { id: m.id, dequeueTime: m.dequeueTime, processingAttempts: m.processingAttempts };
}

/** Date floored to whole milliseconds (what the store's millisecond DequeueTime compares to). */
function ms(d: Date): number {
  return Math.floor(d.getTime());
}

export function describeStoreContract(label: string, fx: StoreContractFixture, options: StoreContractOptions = {}): void {
  const suite = options.skip ? describe.skip : describe;

  /** A test that needs READPAST skipping: registered skipped, with the reason, where hints are ignored. */
  const testSkipping = (name: string, fn: () => Promise<void>) =>
    options.hintsIgnored
      ? test.skip(`${name} (skipped on ${options.hintsIgnored.server}: ${options.hintsIgnored.reason})`, fn)
      : test(name, fn);

  suite(`${label} QueueStore contract`, () => {
    beforeAll(() => fx.setup());
    afterEach(() => fx.afterEachTest());
    afterAll(() => fx.teardown());

    const TENANT = 'tenant-a';

    async function enqueueOne(store: QueueStore, extra: { delayMs?: number; type?: string } = {}): Promise<string> {
      return store.enqueue({ tenantId: store.tenantId, messageType: extra.type ?? 'Test', payload: { n: 1 }, delayMs: extra.delayMs });
    }

    async function claimOne(store: QueueStore, leaseMs = LONG_LEASE): Promise<ClaimedMessage> {
      const claimed = await store.claim({ limit: 1, leaseMs });
      expect(claimed).toHaveLength(1);
      return claimed[0]!;
    }

    /** `store`'s withCompletingTransaction (both built-in stores have it). */
    function completing(store: QueueStore) {
      const run = store.withCompletingTransaction;
      if (!run) throw new Error(`${label} store has no withCompletingTransaction`);
      return <T>(fence: ClaimFence, fn: (tx: StoreTransaction) => Promise<T>) => run.call(store, fence, fn);
    }

    /**
     * A claimed message whose transaction (`run`) writes an effect and then throws `boom`: nothing is
     * saved, the row is Processing again with the same fence, and retry() records the failure.
     */
    async function expectThrowRestoresRow(
      store: QueueStore,
      run: (claimed: ClaimedMessage, id: string, boom: Error) => Promise<unknown>,
    ): Promise<{ id: string; claimed: ClaimedMessage }> {
      await fx.createEffectsTable(store);
      const id = await enqueueOne(store);
      const claimed = await claimOne(store);
      const boom = new Error('handler failed');
      await expect(run(claimed, id, boom)).rejects.toBe(boom);
      expect(await fx.countEffects(store, id)).toBe(0);
      const row = await store.getMessage(id);
      expect(row).toMatchObject({ status: 'Processing', processingAttempts: 1 });
      expect(row?.dequeueTime?.getTime()).toBe(claimed.dequeueTime.getTime());
      expect(await store.retry(claimed, { delayMs: 0, error: 'handler failed' })).toBe(true);
      return { id, claimed };
    }

    /**
     * A completing transaction that writes an effect commits it together with the completion
     * (`expectCompleted` checks the row), exactly once: a second attempt with the same fence is
     * refused (LeaseLostError) without calling the function.
     */
    /**
     * Four claims, then b's lease extended (its first fence stale) and c dead-lettered; completeMany
     * of the four first fences completes exactly a and d. Returns the claims and b's current fence.
     */
    async function completeManyOfFour(store: QueueStore) {
      for (let i = 0; i < 4; i++) await enqueueOne(store);
      const [a, b, c, d] = await store.claim({ limit: 4, leaseMs: LONG_LEASE });
      const bMoved = await store.extendLease(b!); // b's original fence is now stale
      expect(await store.deadLetter(c!, 'gone')).toBe(true); // c is no longer Processing
      const done = await store.completeMany([fenceOf(a!), fenceOf(b!), fenceOf(c!), fenceOf(d!)]);
      expect([...done].sort()).toEqual([a!.id, d!.id].sort());
      return { a, b, c, d, bMoved };
    }

    /** A completing transaction on `fence` is refused with LeaseLostError, without calling the function. */
    async function expectCompletingRefused(store: QueueStore, fence: ClaimFence): Promise<void> {
      let called = false;
      await expect(
        completing(store)(fence, async () => {
          called = true;
        }),
      ).rejects.toBeInstanceOf(LeaseLostError);
      expect(called).toBe(false);
    }

    async function expectCompletesOnce(store: QueueStore, expectCompleted: (id: string) => Promise<void>): Promise<void> {
      await fx.createEffectsTable(store);
      const id = await enqueueOne(store);
      const claimed = await claimOne(store);
      const result = await completing(store)(claimed, async (tx) => {
        await fx.insertEffect(store, tx, id);
        return 'done';
      });
      expect(result).toBe('done');
      await expectCompleted(id);
      expect(await fx.countEffects(store, id)).toBe(1);

      await expectCompletingRefused(store, claimed);
      expect(await fx.countEffects(store, id)).toBe(1);
    }

    /**
     * A completing transaction held open past its 200 ms lease: another worker's claim meanwhile
     * gets nothing (the row lock outlasts the lease). Returns the message's id, completed.
     */
    async function expectNotReclaimedWhileCompleting(store: QueueStore): Promise<string> {
      const other = await fx.openPeer(store);
      const id = await enqueueOne(store);
      const claimed = await claimOne(store, 200);
      const stolen = await completing(store)(claimed, async () => {
        await sleep(500);
        return other.claim({ limit: 10, leaseMs: 200 });
      });
      expect(stolen).toEqual([]);
      return id;
    }

    /**
     * A message claimed, then reclaimed after its 100 ms lease ran out: a completing transaction
     * with the first (stale) fence is refused without calling the function, and the row is the
     * second claim's. Returns that current claim.
     */
    async function expectStaleFenceRefused(store: QueueStore): Promise<{ id: string; current: ClaimedMessage }> {
      const id = await enqueueOne(store);
      const stale = await claimOne(store, 100);
      await sleep(300);
      const current = await claimOne(store, 100); // the lease of 100 ms ran out: reclaimed
      await expectCompletingRefused(store, stale);
      expect(await store.getMessage(id)).toMatchObject({ status: 'Processing', processingAttempts: 2 });
      return { id, current };
    }

    async function raw(store: QueueStore, row: Partial<RawRow> & { id?: string }): Promise<string> {
      const id = row.id ?? randomUUID();
      await fx.insertRawRow(store, { tenantId: store.tenantId, messageType: 'Test', payload: '{}', ...row, id });
      return id;
    }

    describe('migrations', () => {
      test('migrate is idempotent: running it again keeps the table, its rows and its behaviour', async () => {
        const store = await fx.makeStore(TENANT);
        const id = await enqueueOne(store);
        await store.migrate();
        await store.migrate();
        expect((await store.getMessage(id))?.status).toBe('Pending');
        expect((await claimOne(store)).id).toBe(id);
      });

      test('several processes migrating a new schema at the same time all succeed and leave one working table', async () => {
        const base = await fx.makeStore(TENANT, { migrate: false });
        const peers = await Promise.all([1, 2, 3, 4].map(() => fx.openPeer(base)));
        const results = await Promise.allSettled([base, ...peers].map((s) => s.migrate()));
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
        const id = await enqueueOne(peers[0]!);
        expect((await claimOne(base)).id).toBe(id);
        expect((await base.depth()).Processing).toBe(1);
      });

      test('ping fails while the table is missing and succeeds once it is migrated', async () => {
        const store = await fx.makeStore(TENANT, { migrate: false });
        await expect(store.ping()).rejects.toThrow();
        await store.migrate();
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('enqueue and claim', () => {
      test('enqueue stores a Pending row due now: objects as JSON, strings as given, with the correlation id', async () => {
        const store = await fx.makeStore(TENANT);
        const correlationId = randomUUID();
        const before = await fx.dbNow(store);
        const objId = await store.enqueue({ tenantId: TENANT, messageType: 'ProductUpdate', payload: { a: [1, 'x'] }, correlationId });
        const strId = await store.enqueue({ id: randomUUID(), tenantId: TENANT, messageType: 'Raw', payload: 'not json {' });
        const after = await fx.dbNow(store);

        const obj = await store.getMessage(objId);
        expect(obj).toMatchObject({
          id: objId,
          tenantId: TENANT,
          messageType: 'ProductUpdate',
          payload: JSON.stringify({ a: [1, 'x'] }),
          status: 'Pending',
          processingAttempts: 0,
          dequeueTime: null,
          lastAttemptTime: null,
          errorMessage: null,
          correlationId,
        });
        expect(ms(obj!.scheduledTime)).toBeGreaterThanOrEqual(ms(before));
        expect(ms(obj!.scheduledTime)).toBeLessThanOrEqual(ms(after));
        expect(ms(obj!.createdAt)).toBeGreaterThanOrEqual(ms(before));
        const str = await store.getMessage(strId);
        expect(str?.payload).toBe('not json {');
        expect(str?.correlationId).toBeNull();
        expect(await store.getMessage(randomUUID())).toBeNull();
      });

      test('claim marks the row Processing, stamps DequeueTime = LastAttemptTime from the database clock and counts the attempt', async () => {
        const store = await fx.makeStore(TENANT);
        const id = await enqueueOne(store);
        const before = await fx.dbNow(store);
        const claimed = await claimOne(store);
        const after = await fx.dbNow(store);

        expect(claimed.id).toBe(id);
        expect(claimed.status).toBe('Processing');
        expect(claimed.processingAttempts).toBe(1);
        expect(ms(claimed.dequeueTime)).toBeGreaterThanOrEqual(ms(before));
        expect(ms(claimed.dequeueTime)).toBeLessThanOrEqual(ms(after));
        expect(claimed.lastAttemptTime?.getTime()).toBe(claimed.dequeueTime.getTime());

        const row = await store.getMessage(id);
        expect(row?.status).toBe('Processing');
        expect(row?.processingAttempts).toBe(1);
        // Millisecond precision: the fence read back equals the one the claim returned.
        expect(row?.dequeueTime?.getTime()).toBe(claimed.dequeueTime.getTime());
      });

      test('claim takes the oldest ScheduledTime first, at most `limit` rows, and never a row that is not due', async () => {
        const store = await fx.makeStore(TENANT);
        const future = await raw(store, { scheduledOffsetMs: 60_000 });
        const second = await raw(store, { scheduledOffsetMs: -2_000 });
        const first = await raw(store, { scheduledOffsetMs: -3_000, status: 'Failed', processingAttempts: 1 });
        const third = await raw(store, { scheduledOffsetMs: -1_000 });

        const batch = await store.claim({ limit: 2, leaseMs: LONG_LEASE });
        expect(batch.map((m) => m.id)).toEqual([first, second]);
        const rest = await store.claim({ limit: 10, leaseMs: LONG_LEASE });
        expect(rest.map((m) => m.id)).toEqual([third]);
        expect(await store.claim({ limit: 10, leaseMs: LONG_LEASE })).toEqual([]);
        expect((await store.getMessage(future))?.status).toBe('Pending');
      });

      test('a claim takes at most ONE expired lease, the oldest lease first, next to due work, and marks only it reclaimed', async () => {
        const store = await fx.makeStore(TENANT);
        // Three messages whose lease (1 s) expired long ago, oldest lease first: lease1, lease2, lease3.
        const lease1 = await raw(store, {
          status: 'Processing',
          processingAttempts: 1,
          scheduledOffsetMs: -50_000,
          dequeueOffsetMs: -40_000,
        });
        const lease2 = await raw(store, {
          status: 'Processing',
          processingAttempts: 1,
          scheduledOffsetMs: -60_000,
          dequeueOffsetMs: -30_000,
        });
        const lease3 = await raw(store, {
          status: 'Processing',
          processingAttempts: 1,
          scheduledOffsetMs: -70_000,
          dequeueOffsetMs: -20_000,
        });
        const due1 = await raw(store, { scheduledOffsetMs: -10_000 });
        const due2 = await raw(store, { scheduledOffsetMs: -5_000 });

        const first = await store.claim({ limit: 10, leaseMs: 1_000 });
        expect(first.map((m) => [m.id, m.reclaimed])).toEqual([
          [lease1, true],
          [due1, false],
          [due2, false],
        ]);
        expect(first[0]!.processingAttempts).toBe(2);
        // The other expired leases come one per claim, each run alone by the worker.
        expect((await store.claim({ limit: 10, leaseMs: 1_000 })).map((m) => [m.id, m.reclaimed])).toEqual([[lease2, true]]);
        expect((await store.claim({ limit: 10, leaseMs: 1_000 })).map((m) => [m.id, m.reclaimed])).toEqual([[lease3, true]]);
        expect(await store.claim({ limit: 10, leaseMs: 60_000 })).toEqual([]);
      });

      test('an expired lease competes with due work by ScheduledTime for the `limit` places', async () => {
        const store = await fx.makeStore(TENANT);
        const lease = await raw(store, {
          status: 'Processing',
          processingAttempts: 1,
          scheduledOffsetMs: -1_000,
          dequeueOffsetMs: -30_000,
        });
        const older = await raw(store, { scheduledOffsetMs: -20_000 });
        // limit 1: the older due message wins; the expired lease waits for the next claim.
        expect((await store.claim({ limit: 1, leaseMs: 1_000 })).map((m) => [m.id, m.reclaimed])).toEqual([[older, false]]);
        expect((await store.claim({ limit: 1, leaseMs: 1_000 })).map((m) => [m.id, m.reclaimed])).toEqual([[lease, true]]);
      });

      test('claim, listDeadLetters and purge refuse bad numbers alike: RangeError naming the argument, before any statement', async () => {
        const store = await fx.makeStore(TENANT);
        for (const limit of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
          await expect(store.claim({ limit, leaseMs: 1_000 })).rejects.toThrow(
            new RangeError(`claim limit must be an integer between 1 and 2147483647, got ${limit}`),
          );
        }
        for (const leaseMs of [-1, 0.5, Number.POSITIVE_INFINITY, 2 ** 31]) {
          await expect(store.claim({ limit: 1, leaseMs })).rejects.toThrow(
            new RangeError(`claim leaseMs must be an integer between 0 and 2147483647, got ${leaseMs}`),
          );
        }
        await expect(store.listDeadLetters(-1)).rejects.toThrow(
          new RangeError('listDeadLetters limit must be an integer between 0 and 2147483647, got -1'),
        );
        await expect(store.purge('Completed', 0, 0)).rejects.toThrow(
          new RangeError('purge batchSize must be an integer between 1 and 2147483647, got 0'),
        );
        expect(await store.claim({ limit: 1, leaseMs: 0 })).toEqual([]);
      });

      test('a delayed message is not claimed before its ScheduledTime and is claimed once it is due', async () => {
        const store = await fx.makeStore(TENANT);
        const id = await enqueueOne(store, { delayMs: 700 });
        expect(await store.claim({ limit: 10, leaseMs: LONG_LEASE })).toEqual([]);
        await sleep(1_000);
        expect((await claimOne(store)).id).toBe(id);
      });

      test('claim returns rows with another TenantId and invalid JSON payloads as stored, so the worker can dead-letter them', async () => {
        const store = await fx.makeStore(TENANT);
        const foreign = await raw(store, { tenantId: 'someone-else', payload: '{"ok":true}', scheduledOffsetMs: -2 });
        const broken = await raw(store, { payload: '{not json', scheduledOffsetMs: -1 });
        const claimed = await store.claim({ limit: 10, leaseMs: LONG_LEASE });
        expect(claimed.map((m) => [m.id, m.tenantId, m.payload])).toEqual([
          [foreign, 'someone-else', '{"ok":true}'],
          [broken, TENANT, '{not json'],
        ]);
        for (const m of claimed) expect(await store.deadLetter(m, 'rejected')).toBe(true);
        expect((await store.depth()).DeadLetter).toBe(2);
      });

      test('concurrent claimers on separate pools never get the same row and together get every row', async () => {
        const base = await fx.makeStore(TENANT);
        const ids: string[] = [];
        for (let i = 0; i < 500; i += 50) {
          ids.push(...(await Promise.all(Array.from({ length: 50 }, () => enqueueOne(base)))));
        }
        const claimers = [base, ...(await Promise.all([1, 2, 3].map(() => fx.openPeer(base))))];
        const seen: string[] = [];
        await Promise.all(
          claimers.flatMap((store) =>
            [1, 2, 3].map(async () => {
              for (;;) {
                const got = await store.claim({ limit: 7, leaseMs: LONG_LEASE });
                if (got.length === 0) return;
                for (const m of got) {
                  expect(m.processingAttempts).toBe(1);
                  seen.push(m.id);
                }
              }
            }),
          ),
        );
        expect(new Set(seen).size).toBe(seen.length);
        expect([...seen].sort()).toEqual([...ids].sort());
        expect(await base.depth()).toEqual({ Pending: 0, Processing: 500, Failed: 0, DeadLetter: 0 });
      });
    });

    describe('routing by type (claim types)', () => {
      test('a claim with types takes only those types, oldest first; other types stay Pending with no attempt counted', async () => {
        const store = await fx.makeStore(TENANT);
        const mail = await enqueueOne(store, { type: 'SendEmail' });
        const report = await enqueueOne(store, { type: 'Report' });
        const other = await enqueueOne(store, { type: "It's other" });
        expect(await store.claim({ limit: 10, leaseMs: LONG_LEASE, types: [] })).toEqual([]);
        const claimed = await store.claim({ limit: 10, leaseMs: LONG_LEASE, types: ['SendEmail', 'Report'] });
        expect(claimed.map((m) => m.id).sort()).toEqual([mail, report].sort());
        expect(await store.getMessage(other)).toMatchObject({ status: 'Pending', processingAttempts: 0 });
        expect(await store.claim({ limit: 10, leaseMs: LONG_LEASE, types: ['SendEmail'] })).toEqual([]);
        expect(await store.waitingByType()).toEqual({ "It's other": 1 });
        // Without types (admin tools, tests): every type.
        expect((await store.claim({ limit: 10, leaseMs: LONG_LEASE })).map((m) => m.id)).toEqual([other]);
      });

      test('an expired lease is taken over only by a claim that serves its type', async () => {
        const store = await fx.makeStore(TENANT);
        const id = await enqueueOne(store, { type: 'Report' });
        await claimOne(store, 1);
        await sleep(20);
        expect(await store.claim({ limit: 5, leaseMs: 1, types: ['SendEmail'] })).toEqual([]);
        const [taken] = await store.claim({ limit: 5, leaseMs: 1, types: ['Report'] });
        expect(taken).toMatchObject({ id, reclaimed: true, processingAttempts: 2 });
      });

      test('the readiness probe counts only the work of the given types', async () => {
        const store = await fx.makeStore(TENANT);
        await enqueueOne(store, { type: 'Report' });
        await enqueueOne(store, { type: 'SendEmail', delayMs: 30_000 });
        const table = store.group.table;
        expect((await store.group.nextDue([table], { leaseMs: 1000, types: ['Report'] }))[0]!).toBeLessThanOrEqual(0);
        const later = (await store.group.nextDue([table], { leaseMs: 1000, types: ['SendEmail'] }))[0]!;
        expect(later).toBeGreaterThan(25_000);
        expect(await store.group.nextDue([table], { leaseMs: 1000, types: ['Other'] })).toEqual([null]);
        expect(await store.group.nextDue([table], { leaseMs: 1000, types: [] })).toEqual([null]);
      });
    });

    describe('pause and resume (QueuePauses)', () => {
      test('a paused tenant is not claimed (messages stay Pending, no attempt counted) until resumed; switches are idempotent', async () => {
        const store = await fx.makeStore(TENANT);
        const id = await enqueueOne(store);
        expect(await store.pauseState()).toEqual({ all: false, types: [] });
        expect(await store.pause()).toBe(true);
        expect(await store.pause()).toBe(false);
        expect(await store.pauseState()).toEqual({ all: true, types: [] });
        expect(await store.claim({ limit: 10, leaseMs: LONG_LEASE })).toEqual([]);
        expect(await store.claim({ limit: 10, leaseMs: LONG_LEASE, types: ['Test'] })).toEqual([]);
        expect(await store.getMessage(id)).toMatchObject({ status: 'Pending', processingAttempts: 0 });
        // Another worker (its own pool) honours the same switch: it lives in the tenant's database.
        const peer = await fx.openPeer(store);
        expect(await peer.claim({ limit: 10, leaseMs: LONG_LEASE })).toEqual([]);
        expect(await store.resume()).toBe(true);
        expect(await store.resume()).toBe(false);
        expect((await peer.claim({ limit: 10, leaseMs: LONG_LEASE })).map((m) => m.id)).toEqual([id]);
      });

      test('a paused type is left alone while other types are claimed; whole-tenant and type switches are independent', async () => {
        const store = await fx.makeStore(TENANT);
        const mail = await enqueueOne(store, { type: 'SendEmail' });
        const report = await enqueueOne(store, { type: "It's a report" });
        expect(await store.pause("It's a report")).toBe(true);
        expect(await store.pauseState()).toEqual({ all: false, types: ["It's a report"] });
        expect((await store.claim({ limit: 10, leaseMs: LONG_LEASE })).map((m) => m.id)).toEqual([mail]);
        expect(await store.getMessage(report)).toMatchObject({ status: 'Pending', processingAttempts: 0 });
        expect(await store.pause()).toBe(true);
        expect(await store.resume()).toBe(true);
        expect(await store.claim({ limit: 10, leaseMs: LONG_LEASE })).toEqual([]); // the type is still paused
        expect(await store.resume("It's a report")).toBe(true);
        expect((await store.claim({ limit: 10, leaseMs: LONG_LEASE })).map((m) => m.id)).toEqual([report]);
      });

      test('an expired lease of a paused type is not taken over; running claims still complete', async () => {
        const store = await fx.makeStore(TENANT);
        const expired = await enqueueOne(store, { type: 'Report' });
        await claimOne(store, 1);
        const running = await enqueueOne(store, { type: 'Report' });
        const held = await claimOne(store);
        expect(held.id).toBe(running);
        expect(await store.pause('Report')).toBe(true);
        await sleep(20);
        expect(await store.claim({ limit: 5, leaseMs: 1 })).toEqual([]);
        expect(await store.getMessage(expired)).toMatchObject({ status: 'Processing', processingAttempts: 1 });
        expect(await store.complete(held)).toBe(true); // pausing never takes a message from its worker
        expect(await store.resume('Report')).toBe(true);
        const [taken] = await store.claim({ limit: 5, leaseMs: 1 });
        expect(taken).toMatchObject({ id: expired, reclaimed: true, processingAttempts: 2 });
      });

      test('the readiness probe reads a paused tenant or type as idle, and the group reads every switch in order', async () => {
        const a = await fx.makeStore('t-pa');
        const b = await fx.makeStore('t-pb', { sharePoolsWith: a });
        await enqueueOne(a, { type: 'Report' });
        await enqueueOne(b, { type: 'Report' });
        await enqueueOne(b, { type: 'SendEmail', delayMs: 30_000 });
        const tables = [a.group.table, b.group.table];
        expect(await a.pause()).toBe(true);
        expect(await b.pause('Report')).toBe(true);
        const [dueA, dueB] = await a.group.nextDue(tables, { leaseMs: LONG_LEASE });
        expect(dueA).toBeNull();
        expect(dueB!).toBeGreaterThan(10_000); // only the SendEmail due later counts (30 s, less a slow server's delay)
        expect(await a.group.pauseStates([...tables, a.group.table])).toEqual([
          { all: true, types: [] },
          { all: false, types: ['Report'] },
          { all: true, types: [] },
        ]);
        expect(await a.resume()).toBe(true);
        expect((await a.group.nextDue(tables, { leaseMs: LONG_LEASE }))[0]!).toBeLessThanOrEqual(0);
      });

      test('a message type that is empty or too long is refused before any statement', async () => {
        const store = await fx.makeStore(TENANT);
        await expect(store.pause('')).rejects.toThrow(RangeError);
        await expect(store.pause(' ')).rejects.toThrow(/non-empty/);
        await expect(store.resume('x'.repeat(256))).rejects.toThrow(RangeError);
        expect(await store.pauseState()).toEqual({ all: false, types: [] });
      });
    });

    describe('rate limits and concurrency caps (claimLimited)', () => {
      const claimLimited = (store: QueueStore, limits: TenantLimits, limit = 10, types: string[] = ['Test'], leaseMs = LONG_LEASE) =>
        store.claimLimited({ limit, leaseMs, types }, limits);

      test('a concurrency cap holds across stores with their own pools (replicas): over the cap, messages stay Pending with no attempt counted', async () => {
        const store = await fx.makeStore(TENANT);
        for (let i = 0; i < 10; i++) await enqueueOne(store);
        const peers = await Promise.all([1, 2, 3].map(() => fx.openPeer(store)));
        const claimed = (await Promise.all([store, ...peers].map((s) => claimLimited(s, { concurrency: 3 })))).flat();
        expect(claimed).toHaveLength(3);
        expect(await claimLimited(store, { concurrency: 3 })).toEqual([]);
        expect((await store.depth()).Pending).toBe(7);
        const waiting = (await store.listMessages({ status: 'Pending', limit: 10 })).map((m) => m.processingAttempts);
        expect(waiting).toEqual(Array(7).fill(0));
        expect(await store.complete(claimed[0]!)).toBe(true);
        expect(await claimLimited(peers[0]!, { concurrency: 3 })).toHaveLength(1);
        // Unlimited claims are not bound by it (an admin's claim, a worker of another version).
        expect(await store.claim({ limit: 10, leaseMs: LONG_LEASE })).toHaveLength(6);
      });

      test('a type cap bounds its type only; the other served types share what the tenant allows; an expired lease is not running', async () => {
        const store = await fx.makeStore(TENANT);
        for (let i = 0; i < 3; i++) await enqueueOne(store, { type: 'Mail' });
        for (let i = 0; i < 3; i++) await enqueueOne(store, { type: 'Report' });
        const limits: TenantLimits = { concurrency: 3, types: { Mail: { concurrency: 1 } } };
        const first = await claimLimited(store, limits, 10, ['Mail', 'Report']);
        expect(first.map((m) => m.messageType).sort()).toEqual(['Mail', 'Report', 'Report']);
        expect(await claimLimited(store, limits, 10, ['Mail', 'Report'])).toEqual([]); // the tenant's 3 are running
        // Leases that ran out are not running messages any more (their worker is gone): the budget frees.
        await sleep(30);
        const next = await claimLimited(store, limits, 10, ['Mail', 'Report'], 10);
        expect(next.length).toBeGreaterThanOrEqual(1);
        expect(next.filter((m) => m.messageType === 'Mail').length).toBeLessThanOrEqual(1);
      });

      test('a rate limit starts a bucket of one second, shared by the replicas, refilled by the database clock', async () => {
        const store = await fx.makeStore(TENANT);
        for (let i = 0; i < 12; i++) await enqueueOne(store);
        const peer = await fx.openPeer(store);
        const limits: TenantLimits = { ratePerSecond: 4 };
        // Bounds from the time that passed (a slow server only lets more tokens accrue): 4 at once,
        // then at most 4 per second since, shared by both pools.
        const started = Date.now();
        const allowedSince = () => 4 + Math.ceil(((Date.now() - started) / 1000) * 4);
        expect(await claimLimited(store, limits)).toHaveLength(4);
        const second = (await claimLimited(peer, limits)).length;
        expect(second).toBeLessThanOrEqual(allowedSince() - 4);
        await sleep(600); // at least 2.4 tokens more
        const third = (await claimLimited(peer, limits)).length;
        expect(third).toBeGreaterThanOrEqual(1);
        const refilled = second + third;
        expect(4 + refilled).toBeLessThanOrEqual(allowedSince());
        const all = await store.listMessages({ limit: 20 });
        expect(all.filter((m) => m.status === 'Pending').every((m) => m.processingAttempts === 0)).toBe(true);
        expect(all.filter((m) => m.status === 'Processing')).toHaveLength(4 + refilled);
      });
    });

    describe('priorities', () => {
      test('the claim takes higher Priority first (NULL, a producer that knows only the article columns, counts as 0), then oldest ScheduledTime', async () => {
        const store = await fx.makeStore(TENANT);
        const oldRaw = await raw(store, { scheduledOffsetMs: -5_000 }); // no Priority column written: NULL
        const low = await store.enqueue({ tenantId: TENANT, messageType: 'Test', payload: {}, priority: -1 });
        const high = await store.enqueue({ tenantId: TENANT, messageType: 'Test', payload: {}, priority: 10 });
        const mid = await store.enqueue({ tenantId: TENANT, messageType: 'Test', payload: {}, priority: 0 });
        const first = await store.claim({ limit: 1, leaseMs: LONG_LEASE });
        expect(first.map((m) => [m.id, m.priority])).toEqual([[high, 10]]);
        const rest = await store.claim({ limit: 10, leaseMs: LONG_LEASE, types: ['Test'] });
        expect(rest.map((m) => m.id)).toEqual([oldRaw, mid, low]);
        expect((await store.getMessage(low))?.priority).toBe(-1);
        expect((await store.getMessage(oldRaw))?.priority).toBe(0);
        await expect(store.enqueue({ tenantId: TENANT, messageType: 'Test', payload: {}, priority: 1.5 })).rejects.toThrow(RangeError);
      });
    });

    describe('dedupe keys', () => {
      test('a key held by a message not yet Completed or DeadLetter returns that id and inserts nothing; once it completed, a new message is inserted', async () => {
        const store = await fx.makeStore(TENANT);
        const first = await store.enqueueMessage({ tenantId: TENANT, messageType: 'Test', payload: { n: 1 }, dedupeKey: 'order-42' });
        expect(first.deduplicated).toBe(false);
        const again = await store.enqueueMessage({ tenantId: TENANT, messageType: 'Test', payload: { n: 2 }, dedupeKey: 'order-42' });
        expect(again).toEqual({ id: first.id, deduplicated: true });
        expect(await store.enqueue({ tenantId: TENANT, messageType: 'Test', payload: {}, dedupeKey: 'order-42' })).toBe(first.id);
        await raw(store, {}); // a producer writing only the article's columns never conflicts
        await raw(store, {});
        expect((await store.stats()).counts.Pending).toBe(3);
        const claimed = await store.claim({ limit: 10, leaseMs: LONG_LEASE });
        const held = claimed.find((m) => m.id === first.id)!;
        expect(
          (await store.enqueueMessage({ tenantId: TENANT, messageType: 'Test', payload: {}, dedupeKey: 'order-42' })).deduplicated,
        ).toBe(true);
        expect(await store.complete(held)).toBe(true);
        const next = await store.enqueueMessage({ tenantId: TENANT, messageType: 'Test', payload: {}, dedupeKey: 'order-42' });
        expect(next.deduplicated).toBe(false);
        expect(next.id).not.toBe(first.id);
      });

      test('concurrent producers on separate pools with one key insert exactly one message and all get its id', async () => {
        const store = await fx.makeStore(TENANT);
        const peers = [store, await fx.openPeer(store), await fx.openPeer(store)];
        const outcomes = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            peers[i % peers.length]!.enqueueMessage({ tenantId: TENANT, messageType: 'Test', payload: { i }, dedupeKey: 'same' }),
          ),
        );
        expect(new Set(outcomes.map((o) => o.id)).size).toBe(1);
        expect(outcomes.filter((o) => !o.deduplicated)).toHaveLength(1);
        expect((await store.stats()).counts.Pending).toBe(1);
      });

      test("in the caller's transaction: a rolled-back enqueue leaves the key free", async () => {
        const store = await fx.makeStore(TENANT);
        await expect(
          fx.callerTransaction(store, async (tx) => {
            await store.enqueue({ tenantId: TENANT, messageType: 'Test', payload: {}, dedupeKey: 'tx-key' }, tx);
            throw new Error('rollback');
          }),
        ).rejects.toThrow('rollback');
        const outcome = await fx.callerTransaction(store, (tx) =>
          store.enqueueMessage({ tenantId: TENANT, messageType: 'Test', payload: {}, dedupeKey: 'tx-key' }, tx),
        );
        expect(outcome.deduplicated).toBe(false);
        expect((await store.getMessage(outcome.id))?.status).toBe('Pending');
      });
    });

    describe('insert-if-absent and schedule occurrences', () => {
      const occurrenceMessage = (schedule: string, at: Date, payload: unknown = { at: at.toISOString() }) => ({
        id: occurrenceId(schedule, TENANT, at),
        tenantId: TENANT,
        messageType: 'Report',
        payload,
      });
      const at = (second: number) => new Date(Date.UTC(2026, 11, 6, 2, 0, second));

      test('enqueueIfAbsent inserts once: the same id again inserts nothing and leaves the first row as it was, whatever its status', async () => {
        const store = await fx.makeStore(TENANT);
        const message = occurrenceMessage('nightly', at(0), { first: true });
        expect(await store.enqueueIfAbsent(message)).toBe(true);
        expect(await store.enqueueIfAbsent({ ...message, payload: { first: false } })).toBe(false);
        const row = await store.getMessage(message.id);
        expect(row).toMatchObject({ id: message.id, status: 'Pending', messageType: 'Report' });
        expect(JSON.parse(row!.payload)).toEqual({ first: true });
        expect(await store.complete(await claimOne(store))).toBe(true);
        expect(await store.enqueueIfAbsent(message)).toBe(false);
        expect((await store.stats()).counts).toMatchObject({ Pending: 0, Completed: 1 });
      });

      test('enqueueIfAbsent from concurrent producers on separate pools: exactly one true, one row', async () => {
        const store = await fx.makeStore(TENANT);
        const peers = [store, await fx.openPeer(store), await fx.openPeer(store)];
        const message = occurrenceMessage('race', at(1));
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => peers[i % peers.length]!.enqueueIfAbsent(message)));
        expect(results.filter((r) => r)).toHaveLength(1);
        expect((await store.stats()).counts.Pending).toBe(1);
      });

      test("enqueueIfAbsent in the caller's transaction: a rollback leaves the id free", async () => {
        const store = await fx.makeStore(TENANT);
        const message = occurrenceMessage('tx', at(2));
        await expect(
          fx.callerTransaction(store, async (tx) => {
            expect(await store.enqueueIfAbsent(message, tx)).toBe(true);
            throw new Error('rollback');
          }),
        ).rejects.toThrow('rollback');
        expect(await store.getMessage(message.id)).toBeNull();
        expect(await fx.callerTransaction(store, (tx) => store.enqueueIfAbsent(message, tx))).toBe(true);
        expect(await store.getMessage(message.id)).not.toBeNull();
      });

      test('enqueueOccurrence: a new schedule is only recorded; each later occurrence is enqueued once; older or equal ones, skips and existing ids insert nothing', async () => {
        const store = await fx.makeStore(TENANT);
        const occurrence = (second: number, enqueue = true) => ({
          schedule: 'nightly',
          occurrence: at(second),
          enqueue,
          message: occurrenceMessage('nightly', at(second)),
        });
        expect(await store.enqueueOccurrence(occurrence(10))).toBe('first-seen');
        expect(await store.getMessage(occurrence(10).message.id)).toBeNull();
        expect(await store.enqueueOccurrence(occurrence(10))).toBe('already-handled');
        expect(await store.enqueueOccurrence(occurrence(11))).toBe('enqueued');
        const row = await store.getMessage(occurrence(11).message.id);
        expect(row).toMatchObject({ status: 'Pending', messageType: 'Report', tenantId: TENANT });
        expect(JSON.parse(row!.payload)).toEqual({ at: at(11).toISOString() });
        expect(await store.enqueueOccurrence(occurrence(11))).toBe('already-handled');
        expect(await store.enqueueOccurrence(occurrence(9))).toBe('already-handled');
        expect(await store.enqueueOccurrence(occurrence(12, false))).toBe('skipped');
        expect(await store.getMessage(occurrence(12).message.id)).toBeNull();
        expect(await store.enqueueOccurrence(occurrence(12))).toBe('already-handled');
        expect(await store.enqueueIfAbsent(occurrence(13).message)).toBe(true);
        expect(await store.enqueueOccurrence(occurrence(13))).toBe('already-enqueued');
        expect(await store.enqueueOccurrence({ ...occurrence(14), schedule: 'other' })).toBe('first-seen');
        expect((await store.stats()).counts.Pending).toBe(2);
      });

      test('enqueueOccurrence from concurrent replicas on separate pools: one seeds a new schedule, then one enqueues each occurrence', async () => {
        const store = await fx.makeStore(TENANT);
        const peers = [store, await fx.openPeer(store), await fx.openPeer(store)];
        const all = (second: number) =>
          Promise.all(
            Array.from({ length: 9 }, (_, i) =>
              peers[i % peers.length]!.enqueueOccurrence({
                schedule: 'every-second',
                occurrence: at(second),
                enqueue: true,
                message: occurrenceMessage('every-second', at(second)),
              }),
            ),
          );
        const seeding = await all(20);
        expect(seeding.filter((o) => o === 'first-seen')).toHaveLength(1);
        expect(seeding.filter((o) => o !== 'first-seen').every((o) => o === 'already-handled')).toBe(true);
        for (const second of [21, 22, 23]) {
          const outcomes = await all(second);
          expect(outcomes.filter((o) => o === 'enqueued')).toHaveLength(1);
          expect(outcomes.filter((o) => o !== 'enqueued').every((o) => o === 'already-handled')).toBe(true);
        }
        expect((await store.stats()).counts.Pending).toBe(3);
      });
    });

    describe('error history', () => {
      test('retry and deadLetter append each failed attempt (number, database time, error, code); a stale fence appends nothing', async () => {
        const store = await fx.makeStore(TENANT);
        const id = await enqueueOne(store);
        const before = await fx.dbNow(store);
        const first = await claimOne(store);
        expect(await store.retry(first, { delayMs: 0, error: 'first failure', code: 'ECONNRESET' })).toBe(true);
        expect(await store.retry(first, { delayMs: 0, error: 'stale', code: 'X' })).toBe(false);
        const second = await claimOne(store);
        expect(await store.deadLetter(second, 'gave up')).toBe(true);
        expect(await store.deadLetter(second, 'stale again')).toBe(false);
        const history = (await store.errorHistory([id.toUpperCase()])).get(id.toLowerCase())!;
        expect(history.map(({ attempt, error, code }) => ({ attempt, error, code }))).toEqual([
          { attempt: 1, error: 'first failure', code: 'ECONNRESET' },
          { attempt: 2, error: 'gave up', code: null },
        ]);
        expect(history[0]!.failedAt.getTime()).toBeGreaterThanOrEqual(before.getTime() - 5);
        expect((await store.getMessage(id))?.errorMessage).toBe('gave up');
        // After a requeue the attempt numbers start again; the history keeps both runs.
        expect(await store.requeueDeadLetters([id])).toBe(1);
        expect(await store.retry(await claimOne(store), { delayMs: 0, error: 'after requeue' })).toBe(true);
        expect((await store.errorHistory([id])).get(id.toLowerCase())!.map((e) => e.attempt)).toEqual([1, 2, 1]);
        expect(await store.errorHistory([])).toEqual(new Map());
      });

      test('deleting a message deletes its history: retention purge and deleteOnCompletion', async () => {
        const store = await fx.makeStore(TENANT);
        const purged = await enqueueOne(store);
        expect(await store.deadLetter(await claimOne(store), 'poison', 'E1')).toBe(true);
        const kept = await enqueueOne(store);
        expect(await store.deadLetter(await claimOne(store), 'poison too')).toBe(true);
        await sleep(30);
        // Both are old enough: purge one (a batch of 1) and check the other keeps its history.
        expect(await store.purge('DeadLetter', 0, 1)).toBe(1);
        const left = (await store.listDeadLetters(10)).map((r) => r.id);
        const gone = left.includes(purged) ? kept : purged;
        const stays = left.includes(purged) ? purged : kept;
        const history = await store.errorHistory([gone, stays]);
        expect(history.get(gone.toLowerCase())).toEqual([]);
        expect(history.get(stays.toLowerCase())).toHaveLength(1);

        const deleting = await fx.makeStore('t-delete', { deleteOnCompletion: true });
        const id = await enqueueOne(deleting);
        expect(await deleting.retry(await claimOne(deleting), { delayMs: 0, error: 'once' })).toBe(true);
        expect(await deleting.complete(await claimOne(deleting))).toBe(true);
        expect((await deleting.errorHistory([id])).get(id.toLowerCase())).toEqual([]);
      });
    });

    describe('leases and fencing', () => {
      test('a Processing row is not claimable while its lease runs and is claimable again once it expires', async () => {
        const store = await fx.makeStore(TENANT);
        const other = await fx.openPeer(store);
        const id = await enqueueOne(store);
        const first = await claimOne(store, 600);
        expect(await other.claim({ limit: 10, leaseMs: 600 })).toEqual([]);
        await sleep(900);
        const again = await claimOne(other, 600);
        expect(again.id).toBe(id);
        expect(again.processingAttempts).toBe(2);
        expect(again.dequeueTime.getTime()).toBeGreaterThan(first.dequeueTime.getTime());
      });

      test('a stale fence cannot complete, retry, dead-letter, release, extend or open a transaction after a reclaim', async () => {
        const store = await fx.makeStore(TENANT);
        const other = await fx.openPeer(store);
        const id = await enqueueOne(store);
        const stale = await claimOne(store, 200);
        await sleep(400);
        const current = await claimOne(other, 200);
        expect(current.id).toBe(id);

        expect(await store.complete(stale)).toBe(false);
        expect(await store.retry(stale, { delayMs: 0, error: 'stale retry' })).toBe(false);
        expect(await store.deadLetter(stale, 'stale dead letter')).toBe(false);
        expect(await store.release(stale, 'stale release')).toBe(false);
        expect(await store.snooze(stale, { delayMs: 0 })).toBe(false);
        expect(await store.extendLease(stale)).toBeNull();
        expect(await store.completeMany([stale])).toEqual([]);
        let ran = false;
        await expect(
          store.withClaimTransaction(stale, async () => {
            ran = true;
          }),
        ).rejects.toBeInstanceOf(LeaseLostError);
        expect(ran).toBe(false);

        const row = await store.getMessage(id);
        expect(row).toMatchObject({ status: 'Processing', processingAttempts: 2, errorMessage: null });
        expect(row?.dequeueTime?.getTime()).toBe(current.dequeueTime.getTime());
        expect(await other.complete(current)).toBe(true);
      });

      testSkipping('an open claim transaction keeps the row from being reclaimed even after its lease expired', async () => {
        const store = await fx.makeStore(TENANT);
        const other = await fx.openPeer(store);
        await fx.createEffectsTable(store);
        const id = await enqueueOne(store);
        const claimed = await claimOne(store, 200);

        const stolen = await store.withClaimTransaction(claimed, async (tx) => {
          await sleep(500);
          const got = await other.claim({ limit: 10, leaseMs: 200 });
          await fx.insertEffect(store, tx, id);
          expect(await store.complete(claimed, tx)).toBe(true);
          return got;
        });

        expect(stolen).toEqual([]);
        expect((await store.getMessage(id))?.status).toBe('Completed');
        expect(await fx.countEffects(store, id)).toBe(1);
        expect(await other.claim({ limit: 10, leaseMs: 200 })).toEqual([]);
      });

      test('extendLease returns a new fence that works, makes the old fence stale, and restarts the lease', async () => {
        const store = await fx.makeStore(TENANT);
        const other = await fx.openPeer(store);
        const id = await enqueueOne(store);
        const claimed = await claimOne(store, 1_000);
        await sleep(600);
        const extended = await store.extendLease(claimed);
        expect(extended).not.toBeNull();
        expect(extended!.id).toBe(id);
        expect(extended!.processingAttempts).toBe(1);
        expect(extended!.dequeueTime.getTime()).toBeGreaterThan(claimed.dequeueTime.getTime());

        await sleep(600); // past the original lease (1,000 ms from the claim), inside the extended one
        expect(await other.claim({ limit: 10, leaseMs: 1_000 })).toEqual([]);

        expect(await store.complete(claimed)).toBe(false);
        expect(await store.extendLease(claimed)).toBeNull();
        expect(await store.complete(extended!)).toBe(true);
      });

      test('extendLease right after the claim still changes the fence', async () => {
        const store = await fx.makeStore(TENANT);
        await enqueueOne(store);
        const claimed = await claimOne(store);
        const a = await store.extendLease(claimed);
        const b = await store.extendLease(a!);
        expect(a!.dequeueTime.getTime()).toBeGreaterThan(claimed.dequeueTime.getTime());
        expect(b!.dequeueTime.getTime()).toBeGreaterThan(a!.dequeueTime.getTime());
        expect(await store.complete(a!)).toBe(false);
        expect(await store.complete(b!)).toBe(true);
      });
    });

    describe('transactional handlers', () => {
      test('effects written through the claim transaction commit exactly once, together with Completed', async () => {
        const store = await fx.makeStore(TENANT);
        await fx.createEffectsTable(store);
        const id = await enqueueOne(store);
        const claimed = await claimOne(store);

        const result = await store.withClaimTransaction(claimed, async (tx) => {
          expect(tx.dialect).toBe(store.dialect);
          await fx.insertEffect(store, tx, id);
          expect(await store.complete(claimed, tx)).toBe(true);
          return 'done';
        });
        expect(result).toBe('done');
        expect(await fx.countEffects(store, id)).toBe(1);
        expect((await store.getMessage(id))?.status).toBe('Completed');

        // The same claim cannot run its effects a second time.
        await expect(store.withClaimTransaction(claimed, (tx) => fx.insertEffect(store, tx, id))).rejects.toBeInstanceOf(LeaseLostError);
        expect(await fx.countEffects(store, id)).toBe(1);
        expect(await store.claim({ limit: 10, leaseMs: 0 })).toEqual([]);
      });

      test('when the function throws, its effects and the completion roll back and the claim stays valid', async () => {
        const store = await fx.makeStore(TENANT);
        await fx.createEffectsTable(store);
        const id = await enqueueOne(store);
        const claimed = await claimOne(store);

        const boom = new Error('handler failed');
        await expect(
          store.withClaimTransaction(claimed, async (tx) => {
            await fx.insertEffect(store, tx, id);
            await store.complete(claimed, tx);
            throw boom;
          }),
        ).rejects.toBe(boom);

        expect(await fx.countEffects(store, id)).toBe(0);
        const row = await store.getMessage(id);
        expect(row).toMatchObject({ status: 'Processing', processingAttempts: 1 });
        expect(row?.dequeueTime?.getTime()).toBe(claimed.dequeueTime.getTime());
        expect(await store.retry(claimed, { delayMs: 0, error: 'handler failed' })).toBe(true);
      });

      test('enqueue inside a caller transaction that rolls back leaves no row; a committed one leaves one', async () => {
        const store = await fx.makeStore(TENANT);
        const rolledBack = randomUUID();
        await expect(
          fx.callerTransaction(store, async (tx) => {
            await store.enqueue({ id: rolledBack, tenantId: TENANT, messageType: 'Outbox', payload: {} }, tx);
            throw new Error('business write failed');
          }),
        ).rejects.toThrow('business write failed');
        expect(await store.getMessage(rolledBack)).toBeNull();

        const committed = await fx.callerTransaction(store, (tx) =>
          store.enqueue({ tenantId: TENANT, messageType: 'Outbox', payload: { ok: 1 } }, tx),
        );
        expect((await store.getMessage(committed))?.status).toBe('Pending');
        expect((await store.stats()).counts.Pending).toBe(1);
      });
    });

    describe('outcomes', () => {
      test('retry sets Failed with the error and ScheduledTime = database now + delay, and the row is claimed again once due', async () => {
        const store = await fx.makeStore(TENANT);
        const id = await enqueueOne(store);
        const claimed = await claimOne(store);
        const before = await fx.dbNow(store);
        expect(await store.retry(claimed, { delayMs: 800, error: 'try later' })).toBe(true);
        const after = await fx.dbNow(store);

        const row = await store.getMessage(id);
        expect(row).toMatchObject({ status: 'Failed', errorMessage: 'try later', processingAttempts: 1 });
        expect(ms(row!.scheduledTime)).toBeGreaterThanOrEqual(ms(before) + 800);
        expect(ms(row!.scheduledTime)).toBeLessThanOrEqual(ms(after) + 800);

        expect(await store.claim({ limit: 10, leaseMs: LONG_LEASE })).toEqual([]);
        await sleep(1_100);
        const again = await claimOne(store);
        expect(again.id).toBe(id);
        expect(again.processingAttempts).toBe(2);
        expect(await store.complete(again)).toBe(true);
        expect((await store.getMessage(id))?.errorMessage).toBeNull();
      });

      test('deadLetter sets DeadLetter with the error and the row is never claimed again', async () => {
        const store = await fx.makeStore(TENANT);
        const id = await enqueueOne(store);
        const claimed = await claimOne(store, 100);
        expect(await store.deadLetter(claimed, 'poison')).toBe(true);
        expect(await store.getMessage(id)).toMatchObject({ status: 'DeadLetter', errorMessage: 'poison' });
        await sleep(200);
        expect(await store.claim({ limit: 10, leaseMs: 100 })).toEqual([]);
      });

      test('release gives the message back due now without counting the attempt, and a new claim gets a new fence', async () => {
        const store = await fx.makeStore(TENANT);
        const id = await enqueueOne(store);
        const claimed = await claimOne(store);
        const before = await fx.dbNow(store);
        expect(await store.release(claimed, 'shutting down')).toBe(true);
        const row = await store.getMessage(id);
        expect(row).toMatchObject({ status: 'Pending', processingAttempts: 0, errorMessage: 'shutting down' });
        expect(ms(row!.scheduledTime)).toBeGreaterThanOrEqual(ms(before));

        const again = await claimOne(store);
        expect(again.processingAttempts).toBe(1);
        expect(again.dequeueTime.getTime()).not.toBe(claimed.dequeueTime.getTime());
        expect(await store.complete(claimed)).toBe(false);
        expect(await store.complete(again)).toBe(true);
      });

      test('completeMany completes in one call exactly the claims whose fence matches', async () => {
        const store = await fx.makeStore(TENANT);
        const { a, b, c, d, bMoved } = await completeManyOfFour(store);
        expect((await store.getMessage(a!.id))?.status).toBe('Completed');
        expect((await store.getMessage(b!.id))?.status).toBe('Processing');
        expect((await store.getMessage(c!.id))?.status).toBe('DeadLetter');
        expect((await store.getMessage(d!.id))?.status).toBe('Completed');
        expect(await store.completeMany([bMoved!])).toEqual([b!.id]);
        expect(await store.completeMany([])).toEqual([]);
      });
    });

    describe('snoozes (a handler returned snooze(ms))', () => {
      test('snooze makes the message Pending at database now + delay, gives the attempt back and counts the snooze; the ErrorMessage stays', async () => {
        const store = await fx.makeStore(TENANT);
        const id = await enqueueOne(store);
        const first = await claimOne(store);
        expect(first.snoozeCount).toBe(0);
        expect(await store.retry(first, { delayMs: 0, error: 'earlier failure' })).toBe(true);
        const claimed = await claimOne(store);
        expect(claimed).toMatchObject({ processingAttempts: 2, snoozeCount: 0 });

        const before = await fx.dbNow(store);
        expect(await store.snooze(claimed, { delayMs: 800 })).toBe(true);
        const after = await fx.dbNow(store);
        const row = await store.getMessage(id);
        expect(row).toMatchObject({ status: 'Pending', processingAttempts: 1, snoozeCount: 1, errorMessage: 'earlier failure' });
        expect(ms(row!.scheduledTime)).toBeGreaterThanOrEqual(ms(before) + 800);
        expect(ms(row!.scheduledTime)).toBeLessThanOrEqual(ms(after) + 800);
        // The same fence cannot snooze (or complete) twice: the row is no longer Processing.
        expect(await store.snooze(claimed, { delayMs: 0 })).toBe(false);
        expect(await store.complete(claimed)).toBe(false);

        expect(await store.claim({ limit: 10, leaseMs: LONG_LEASE })).toEqual([]);
        await sleep(1_100);
        const again = await claimOne(store);
        expect(again).toMatchObject({ id, processingAttempts: 2, snoozeCount: 1 });
        expect(again.dequeueTime.getTime()).not.toBe(claimed.dequeueTime.getTime());
        expect(await store.snooze(again, { delayMs: 0 })).toBe(true);
        const third = await claimOne(store);
        expect(third).toMatchObject({ id, processingAttempts: 2, snoozeCount: 2 });
        expect(await store.complete(third)).toBe(true);
        expect(await store.getMessage(id)).toMatchObject({ status: 'Completed', processingAttempts: 2, snoozeCount: 2 });
      });

      test('a row a producer wrote with the article columns only reads SnoozeCount 0; a bad delay is refused before any statement', async () => {
        const store = await fx.makeStore(TENANT);
        const id = await raw(store, {});
        expect(await store.getMessage(id)).toMatchObject({ status: 'Pending', snoozeCount: 0 });
        const claimed = await claimOne(store);
        for (const delayMs of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 30 * 86_400_000 + 1]) {
          await expect(store.snooze(claimed, { delayMs })).rejects.toThrow(RangeError);
        }
        expect(await store.getMessage(id)).toMatchObject({ status: 'Processing', processingAttempts: 1, snoozeCount: 0 });
        expect(await store.snooze(claimed, { delayMs: 30 * 86_400_000 })).toBe(true);
        const row = await store.getMessage(id);
        expect(row).toMatchObject({ status: 'Pending', processingAttempts: 0, snoozeCount: 1 });
        expect(ms(row!.scheduledTime)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
      });

      test('every requeue (one message, chosen dead letters, matching dead letters) starts the snooze count again', async () => {
        const store = await fx.makeStore(TENANT);
        const snoozedThenDead = async (): Promise<string> => {
          // Each its own type, so a claim never takes the messages already requeued.
          const types = [`Snoozy-${randomUUID()}`];
          const id = await store.enqueue({ tenantId: TENANT, messageType: types[0]!, payload: {} });
          const [claimed] = await store.claim({ limit: 10, leaseMs: LONG_LEASE, types });
          expect(await store.snooze(claimed!, { delayMs: 0 })).toBe(true);
          const [again] = await store.claim({ limit: 10, leaseMs: LONG_LEASE, types });
          expect(again).toMatchObject({ id, snoozeCount: 1 });
          expect(await store.deadLetter(again!, 'gave up')).toBe(true);
          expect(await store.getMessage(id)).toMatchObject({ status: 'DeadLetter', snoozeCount: 1 });
          return id;
        };
        const one = await snoozedThenDead();
        expect(await store.requeueMessage(one, ['DeadLetter'])).toBe(true);
        const two = await snoozedThenDead();
        expect(await store.requeueDeadLetters([two])).toBe(1);
        const three = await snoozedThenDead();
        expect(await store.requeueDeadLettersMatching({ ids: [three] }, 10)).toBe(1);
        for (const id of [one, two, three]) {
          expect(await store.getMessage(id)).toMatchObject({
            status: 'Pending',
            processingAttempts: 0,
            snoozeCount: 0,
            errorMessage: null,
          });
        }
      });
    });

    describe('completing transactions (the Completed UPDATE opens the transaction)', () => {
      test('effects and Completed commit together, exactly once; a second attempt with the same fence is refused', async () => {
        const store = await fx.makeStore(TENANT);
        await expectCompletesOnce(store, async (id) => {
          expect(await store.getMessage(id)).toMatchObject({ status: 'Completed', errorMessage: null });
        });
      });

      test('when the function throws, effects and Completed roll back: the row is Processing with the same fence', async () => {
        const store = await fx.makeStore(TENANT);
        await expectThrowRestoresRow(store, (claimed, id, boom) =>
          completing(store)(claimed, async (tx) => {
            await fx.insertEffect(store, tx, id);
            throw boom;
          }),
        );
      });

      test('a stale fence opens no transaction: LeaseLostError and the function is not called', async () => {
        const store = await fx.makeStore(TENANT);
        const { current } = await expectStaleFenceRefused(store);
        expect(await store.complete(current)).toBe(true);
      });

      testSkipping('while the transaction is open no claimer takes the row, even after its lease expired', async () => {
        const store = await fx.makeStore(TENANT);
        const id = await expectNotReclaimedWhileCompleting(store);
        expect((await store.getMessage(id))?.status).toBe('Completed');
      });
    });

    describe('asyncCommit (bookkeeping commits without waiting for the log flush): the same fences and outcomes', () => {
      const asyncStore = (deleteOnCompletion = false) => fx.makeStore(TENANT, { asyncCommit: true, deleteOnCompletion });

      test('claim, extendLease, complete and completeMany keep their fences: stale ones change nothing', async () => {
        const store = await asyncStore();
        const other = await fx.openPeer(store);
        for (let i = 0; i < 3; i++) await enqueueOne(store);
        const [a, b, c] = await store.claim({ limit: 3, leaseMs: LONG_LEASE });
        expect([a, b, c].map((m) => m?.processingAttempts)).toEqual([1, 1, 1]);
        const bMoved = await store.extendLease(b!);
        expect(bMoved).not.toBeNull();
        expect(await store.extendLease(b!)).toBeNull(); // b's first fence is stale now
        expect(await store.complete(a!)).toBe(true);
        expect(await store.complete(a!)).toBe(false);
        expect(await store.completeMany([fenceOf(b!), bMoved!, fenceOf(c!)])).toEqual(expect.arrayContaining([b!.id, c!.id]));
        expect((await store.stats()).counts).toMatchObject({ Pending: 0, Processing: 0, Completed: 3 });

        const id = await enqueueOne(store);
        const stale = await claimOne(store, 100);
        await sleep(300);
        const current = await claimOne(other, 100); // the lease ran out: reclaimed
        expect(current.id).toBe(id);
        expect(await store.completeMany([stale])).toEqual([]);
        expect(await store.getMessage(id)).toMatchObject({ status: 'Processing', processingAttempts: 2 });
        expect(await other.completeMany([current])).toEqual([id]);
      });

      test('with deleteOnCompletion too: completions delete exactly the matching claims', async () => {
        const store = await asyncStore(true);
        for (let i = 0; i < 2; i++) await enqueueOne(store);
        const [a, b] = await store.claim({ limit: 2, leaseMs: LONG_LEASE });
        expect(await store.complete(a!)).toBe(true);
        expect(await store.completeMany([fenceOf(b!), fenceOf(a!)])).toEqual([b!.id]);
        expect(await store.getMessage(a!.id)).toBeNull();
        expect(await store.getMessage(b!.id)).toBeNull();
      });

      test('a completing transaction still commits the effects and the completion together, exactly once', async () => {
        const store = await asyncStore();
        await expectCompletesOnce(store, async (id) => expect((await store.getMessage(id))?.status).toBe('Completed'));
      });
    });

    describe('deleteOnCompletion (completing deletes the row instead of marking it Completed)', () => {
      const deleting = () => fx.makeStore(TENANT, { deleteOnCompletion: true });
      /** The message's row is no longer in the table. */
      async function expectGone(store: QueueStore, id: string): Promise<void> {
        expect(await store.getMessage(id)).toBeNull();
      }

      test('complete deletes the claimed row; a stale fence deletes nothing and returns false', async () => {
        const store = await deleting();
        const other = await fx.openPeer(store);
        const done = await enqueueOne(store);
        const claimed = await claimOne(store);
        expect(await store.complete(claimed)).toBe(true);
        await expectGone(store, done);
        expect(await store.complete(claimed)).toBe(false);

        const id = await enqueueOne(store);
        const stale = await claimOne(store, 200);
        await sleep(400);
        const current = await claimOne(other, 200);
        expect(current.id).toBe(id);
        expect(await store.complete(stale)).toBe(false);
        expect(await store.completeMany([stale])).toEqual([]);
        const row = await store.getMessage(id);
        expect(row).toMatchObject({ status: 'Processing', processingAttempts: 2 });
        expect(row?.dequeueTime?.getTime()).toBe(current.dequeueTime.getTime());
        expect(await other.complete(current)).toBe(true);
        await expectGone(store, id);
        expect((await store.stats()).counts).toEqual({ Pending: 0, Processing: 0, Completed: 0, Failed: 0, DeadLetter: 0 });
      });

      test('completeMany deletes exactly the claims whose fence matches and returns their ids', async () => {
        const store = await deleting();
        const { a, b, c, d, bMoved } = await completeManyOfFour(store);
        await expectGone(store, a!.id);
        await expectGone(store, d!.id);
        expect((await store.getMessage(b!.id))?.status).toBe('Processing');
        expect(await store.getMessage(c!.id)).toMatchObject({ status: 'DeadLetter', errorMessage: 'gone' });
        expect(await store.completeMany([bMoved!])).toEqual([b!.id]);
        await expectGone(store, b!.id);
        expect(await store.completeMany([])).toEqual([]);
        expect(await store.depth()).toEqual({ Pending: 0, Processing: 0, Failed: 0, DeadLetter: 1 });
      });

      test('inside a claim transaction the delete commits together with the effects, and a second run is refused', async () => {
        const store = await deleting();
        await fx.createEffectsTable(store);
        const id = await enqueueOne(store);
        const claimed = await claimOne(store);
        await store.withClaimTransaction(claimed, async (tx) => {
          await fx.insertEffect(store, tx, id);
          expect(await store.complete(claimed, tx)).toBe(true);
        });
        expect(await fx.countEffects(store, id)).toBe(1);
        await expectGone(store, id);
        await expect(store.withClaimTransaction(claimed, (tx) => fx.insertEffect(store, tx, id))).rejects.toBeInstanceOf(LeaseLostError);
        expect(await fx.countEffects(store, id)).toBe(1);
      });

      test('a claim transaction that throws after the delete restores the row as Processing with the same fence', async () => {
        const store = await deleting();
        const { id } = await expectThrowRestoresRow(store, (claimed, rowId, boom) =>
          store.withClaimTransaction(claimed, async (tx) => {
            await fx.insertEffect(store, tx, rowId);
            expect(await store.complete(claimed, tx)).toBe(true);
            throw boom;
          }),
        );
        expect(await store.getMessage(id)).toMatchObject({ status: 'Failed', errorMessage: 'handler failed' });
      });

      test('a completing transaction deletes the row together with the effects, exactly once', async () => {
        const store = await deleting();
        await expectCompletesOnce(store, (id) => expectGone(store, id));
      });

      test('a completing transaction that throws brings the row back as Processing with the same fence; retry then records the failure', async () => {
        const store = await deleting();
        const { id } = await expectThrowRestoresRow(store, (claimed, rowId, boom) =>
          completing(store)(claimed, async (tx) => {
            await fx.insertEffect(store, tx, rowId);
            throw boom;
          }),
        );
        const again = await claimOne(store);
        expect(again).toMatchObject({ id, processingAttempts: 2 });
        expect(await completing(store)(again, async () => 'ok')).toBe('ok');
        await expectGone(store, id);
      });

      test('a stale fence opens no completing transaction and deletes nothing', async () => {
        const store = await deleting();
        const { id, current } = await expectStaleFenceRefused(store);
        expect(await completing(store)(current, async () => 'ok')).toBe('ok');
        await expectGone(store, id);
      });

      testSkipping('while the completing transaction is open no claimer takes the row, even after its lease expired', async () => {
        const store = await deleting();
        await expectGone(store, await expectNotReclaimedWhileCompleting(store));
      });

      test('retry, dead-letter and release keep their rows; retention still purges Completed rows written before', async () => {
        const store = await deleting();
        const retried = await enqueueOne(store);
        const dead = await enqueueOne(store);
        const released = await enqueueOne(store);
        const claims = new Map((await store.claim({ limit: 3, leaseMs: LONG_LEASE })).map((m) => [m.id, m]));
        expect(await store.retry(claims.get(retried)!, { delayMs: 60_000, error: 'later' })).toBe(true);
        expect(await store.deadLetter(claims.get(dead)!, 'poison')).toBe(true);
        expect(await store.release(claims.get(released)!, 'shutting down')).toBe(true);
        expect(await store.getMessage(retried)).toMatchObject({ status: 'Failed', errorMessage: 'later' });
        expect(await store.getMessage(dead)).toMatchObject({ status: 'DeadLetter', errorMessage: 'poison' });
        expect(await store.getMessage(released)).toMatchObject({ status: 'Pending' });

        // A Completed row from before the option was turned on is aged out as usual; nothing else is.
        const old = await raw(store, { status: 'Completed', processingAttempts: 1, lastAttemptOffsetMs: -7_200_000 });
        expect(await store.purge('Completed', 3_600_000, 100)).toBe(1);
        expect(await store.getMessage(old)).toBeNull();
        expect(await store.purge('Completed', 3_600_000, 100)).toBe(0);
        expect((await store.stats()).counts).toEqual({ Pending: 1, Processing: 0, Completed: 0, Failed: 1, DeadLetter: 1 });
      });
    });

    describe('group statements (many tenant tables in one statement)', () => {
      function groupOf(store: QueueStore) {
        if (!store.group) throw new Error(`${label} store has no group statements`);
        return store.group;
      }

      test('stores of one database share a group key; the probe tells due now, due later, lease expiry and empty apart', async () => {
        const empty = await fx.makeStore('t-empty');
        const due = await fx.makeStore('t-due', { sharePoolsWith: empty });
        const later = await fx.makeStore('t-later', { sharePoolsWith: empty });
        const held = await fx.makeStore('t-held', { sharePoolsWith: empty });
        const done = await fx.makeStore('t-done', { sharePoolsWith: empty });
        const stores = [empty, due, later, held, done];
        expect(new Set(stores.map((s) => groupOf(s).key)).size).toBe(1);
        expect(new Set(stores.map((s) => groupOf(s).table)).size).toBe(stores.length);

        await enqueueOne(due);
        await enqueueOne(later, { delayMs: 30_000 });
        await enqueueOne(held);
        await claimOne(held, 20_000);
        await enqueueOne(done);
        expect(await done.complete(await claimOne(done))).toBe(true);

        const result = await groupOf(empty).nextDue(
          stores.map((s) => groupOf(s).table),
          { leaseMs: 20_000 },
        );
        expect(result).toHaveLength(5);
        expect(result[0]).toBeNull();
        expect(result[1]).not.toBeNull();
        expect(result[1]!).toBeLessThanOrEqual(0);
        expect(result[2]!).toBeGreaterThan(25_000);
        expect(result[2]!).toBeLessThanOrEqual(30_000);
        expect(result[3]!).toBeGreaterThan(15_000);
        expect(result[3]!).toBeLessThanOrEqual(20_000);
        expect(result[4]).toBeNull();
        // A lease that already ran out is due now.
        expect((await groupOf(held).nextDue([groupOf(held).table], { leaseMs: 0 }))[0]!).toBeLessThanOrEqual(0);
      });

      test('a failed message is due at its retry time', async () => {
        const store = await fx.makeStore(TENANT);
        await enqueueOne(store);
        expect(await store.retry(await claimOne(store), { delayMs: 10_000, error: 'later' })).toBe(true);
        const [dueIn] = await groupOf(store).nextDue([groupOf(store).table], { leaseMs: LONG_LEASE });
        expect(dueIn!).toBeGreaterThan(5_000);
        expect(dueIn!).toBeLessThanOrEqual(10_000);
      });

      test("depth of many tables equals each store's own depth, and the retention check finds exactly the tables with old rows", async () => {
        const a = await fx.makeStore('t-a');
        const b = await fx.makeStore('t-b', { sharePoolsWith: a });
        const c = await fx.makeStore('t-c', { sharePoolsWith: a });
        await enqueueOne(a);
        await enqueueOne(a);
        await raw(b, { status: 'Completed', lastAttemptOffsetMs: -10 * 86_400_000, createdOffsetMs: -10 * 86_400_000 });
        await raw(b, { status: 'DeadLetter', errorMessage: 'x', lastAttemptOffsetMs: -60_000 });
        await enqueueOne(c);
        expect(await c.complete(await claimOne(c))).toBe(true);
        const tables = [a, b, c].map((s) => groupOf(s).table);
        expect(await groupOf(a).depth(tables)).toEqual(await Promise.all([a, b, c].map((s) => s.depth())));
        expect(await groupOf(a).hasPurgeable(tables, 'Completed', 86_400_000)).toEqual([false, true, false]);
        expect(await groupOf(a).hasPurgeable(tables, 'DeadLetter', 1_000)).toEqual([false, true, false]);
        expect(await groupOf(a).hasPurgeable(tables, 'DeadLetter', 86_400_000)).toEqual([false, false, false]);
      });

      test('lists longer than one statement are chunked and answered in order', async () => {
        const first = await fx.makeStore('t-0');
        const others = await Promise.all(Array.from({ length: 2 }, (_, i) => fx.makeStore(`t-${i + 1}`, { sharePoolsWith: first })));
        await enqueueOne(others[1]!);
        const group = groupOf(first);
        // The same three tables repeated past the statement limit: every answer must land at its own position.
        const base = [first, ...others].map((s) => groupOf(s).table);
        const tables = Array.from({ length: group.maxTablesPerStatement + 5 }, (_, i) => base[i % 3]!);
        const due = await group.nextDue(tables, { leaseMs: LONG_LEASE });
        expect(due).toHaveLength(tables.length);
        due.forEach((d, i) => expect({ i, due: d !== null && d <= 0 }).toEqual({ i, due: i % 3 === 2 }));
      });
    });

    describe('operations', () => {
      test('depth and stats count each status, and stats gives the age of the oldest due message', async () => {
        const store = await fx.makeStore(TENANT);
        const empty = await store.stats();
        expect(empty).toEqual({
          counts: { Pending: 0, Processing: 0, Completed: 0, Failed: 0, DeadLetter: 0 },
          oldestDueAgeSeconds: null,
          waitingByType: {},
        });
        const rows: Array<Partial<RawRow>> = [
          { status: 'Pending', scheduledOffsetMs: -10_000 },
          { status: 'Pending' },
          { status: 'Pending', scheduledOffsetMs: 3_600_000 },
          { status: 'Failed', scheduledOffsetMs: -5_000, processingAttempts: 1 },
          { status: 'Processing', processingAttempts: 1, dequeueOffsetMs: 0, lastAttemptOffsetMs: 0 },
          { status: 'Processing', processingAttempts: 1, dequeueOffsetMs: 0, lastAttemptOffsetMs: 0 },
          { status: 'DeadLetter', processingAttempts: 5, lastAttemptOffsetMs: 0 },
          { status: 'DeadLetter', processingAttempts: 5, lastAttemptOffsetMs: 0 },
          { status: 'Completed', processingAttempts: 1, lastAttemptOffsetMs: 0 },
          { status: 'Completed', processingAttempts: 1, lastAttemptOffsetMs: 0 },
          { status: 'Completed', processingAttempts: 1, lastAttemptOffsetMs: 0 },
        ];
        for (const row of rows) await raw(store, row);

        expect(await store.depth()).toEqual({ Pending: 3, Processing: 2, Failed: 1, DeadLetter: 2 });
        const stats = await store.stats();
        expect(stats.counts).toEqual({ Pending: 3, Processing: 2, Completed: 3, Failed: 1, DeadLetter: 2 });
        expect(stats.oldestDueAgeSeconds).toBeGreaterThanOrEqual(9.99);
        expect(stats.oldestDueAgeSeconds).toBeLessThan(30);
        expect(stats.waitingByType).toEqual({ Test: 4 });
        expect(await store.waitingByType()).toEqual({ Test: 4 });
      });

      test('listDeadLetters returns only dead letters, most recently attempted first, up to the limit', async () => {
        const store = await fx.makeStore(TENANT);
        const oldest = await raw(store, { status: 'DeadLetter', lastAttemptOffsetMs: -3 * 3_600_000, errorMessage: 'e3' });
        const newest = await raw(store, { status: 'DeadLetter', lastAttemptOffsetMs: -1 * 3_600_000, errorMessage: 'e1' });
        const middle = await raw(store, { status: 'DeadLetter', lastAttemptOffsetMs: -2 * 3_600_000, errorMessage: 'e2' });
        await raw(store, { status: 'Completed', lastAttemptOffsetMs: 0 });
        await raw(store, { status: 'Failed', lastAttemptOffsetMs: 0 });

        const two = await store.listDeadLetters(2);
        expect(two.map((r) => [r.id, r.status, r.errorMessage])).toEqual([
          [newest, 'DeadLetter', 'e1'],
          [middle, 'DeadLetter', 'e2'],
        ]);
        expect((await store.listDeadLetters(10)).map((r) => r.id)).toEqual([newest, middle, oldest]);
      });

      test('requeueDeadLetters moves chosen (or all) dead letters to Pending, due now, attempts 0, no error, and nothing else', async () => {
        const store = await fx.makeStore(TENANT);
        const dl = (n: number) =>
          raw(store, {
            status: 'DeadLetter',
            processingAttempts: 5,
            lastAttemptOffsetMs: -n,
            errorMessage: 'boom',
            scheduledOffsetMs: -60_000,
          });
        const one = await dl(1);
        const two = await dl(2);
        const three = await dl(3);
        const processing = await raw(store, { status: 'Processing', processingAttempts: 1, dequeueOffsetMs: 0, lastAttemptOffsetMs: 0 });

        const before = await fx.dbNow(store);
        expect(await store.requeueDeadLetters([one, processing])).toBe(1);
        const requeued = await store.getMessage(one);
        expect(requeued).toMatchObject({ status: 'Pending', processingAttempts: 0, errorMessage: null });
        expect(ms(requeued!.scheduledTime)).toBeGreaterThanOrEqual(ms(before));
        expect((await store.getMessage(two))?.status).toBe('DeadLetter');
        expect((await store.getMessage(processing))?.status).toBe('Processing');
        expect(await store.requeueDeadLetters([])).toBe(0);

        expect(await store.requeueDeadLetters()).toBe(2);
        expect((await store.getMessage(three))?.status).toBe('Pending');
        const claimed = await store.claim({ limit: 10, leaseMs: LONG_LEASE });
        expect(claimed.map((m) => m.id).sort()).toEqual([one, two, three].sort());
        expect(claimed.every((m) => m.processingAttempts === 1)).toBe(true);
      });

      test('purge deletes only rows of the given status older than the cutoff, at most batchSize per call', async () => {
        const store = await fx.makeStore(TENANT);
        const HOUR = 3_600_000;
        const oldCompleted: string[] = [];
        for (let i = 0; i < 5; i++)
          oldCompleted.push(
            await raw(store, { status: 'Completed', processingAttempts: 1, lastAttemptOffsetMs: -2 * HOUR, createdOffsetMs: -2 * HOUR }),
          );
        // Never attempted by a worker (LastAttemptTime NULL): its age is its CreatedAt.
        oldCompleted.push(await raw(store, { status: 'Completed', createdOffsetMs: -2 * HOUR }));
        // Created long ago but completed recently: kept.
        const recent = [
          await raw(store, { status: 'Completed', processingAttempts: 1, lastAttemptOffsetMs: -60_000, createdOffsetMs: -2 * HOUR }),
          await raw(store, { status: 'Completed', processingAttempts: 1, lastAttemptOffsetMs: 0 }),
        ];
        const oldDead = [
          await raw(store, { status: 'DeadLetter', processingAttempts: 5, lastAttemptOffsetMs: -2 * HOUR }),
          await raw(store, { status: 'DeadLetter', processingAttempts: 5, lastAttemptOffsetMs: -2 * HOUR }),
        ];
        const oldPending = await raw(store, { status: 'Pending', createdOffsetMs: -2 * HOUR, scheduledOffsetMs: 2 * HOUR });

        expect(await store.purge('Completed', HOUR, 4)).toBe(4);
        expect(await store.purge('Completed', HOUR, 4)).toBe(2);
        expect(await store.purge('Completed', HOUR, 4)).toBe(0);
        for (const id of oldCompleted) expect(await store.getMessage(id)).toBeNull();
        for (const id of [...recent, ...oldDead, oldPending]) expect(await store.getMessage(id)).not.toBeNull();

        expect(await store.purge('DeadLetter', HOUR, 10)).toBe(2);
        expect((await store.stats()).counts).toEqual({ Pending: 1, Processing: 0, Completed: 2, Failed: 0, DeadLetter: 0 });
      });
    });

    describe('tenants and pools', () => {
      test("two tenants in two schemas of one database share one pool and never see each other's rows", async () => {
        const a = await fx.makeStore('tenant-a');
        const b = await fx.makeStore('tenant-b', { sharePoolsWith: a });
        expect(a.tableName).not.toBe(b.tableName);
        const idA = await a.enqueue({ tenantId: 'tenant-a', messageType: 'T', payload: 1 });
        const idB = await b.enqueue({ tenantId: 'tenant-b', messageType: 'T', payload: 2 });
        expect(fx.openPoolCount(a)).toBe(1);
        expect(fx.openPoolCount(b)).toBe(1);

        expect((await a.claim({ limit: 10, leaseMs: LONG_LEASE })).map((m) => m.id)).toEqual([idA]);
        expect((await b.claim({ limit: 10, leaseMs: LONG_LEASE })).map((m) => m.id)).toEqual([idB]);
        expect(await a.getMessage(idB)).toBeNull();
        expect(await b.getMessage(idA)).toBeNull();

        await a.close();
        expect(fx.openPoolCount(b)).toBe(1);
        await b.close();
        await b.close(); // idempotent
        expect(fx.openPoolCount(b)).toBe(0);
      });

      test('the pool is opened lazily on first use', async () => {
        const store = await fx.makeStore(TENANT, { migrate: false });
        expect(fx.openPoolCount(store)).toBe(0);
        await store.migrate();
        expect(fx.openPoolCount(store)).toBe(1);
      });

      test("a tenant without a schema works in the connection's default schema", async () => {
        const store = await fx.makeStore(TENANT, { schema: null });
        const id = await enqueueOne(store);
        const claimed = await store.claim({ limit: 100, leaseMs: LONG_LEASE });
        expect(claimed.map((m) => m.id)).toContain(id);
        for (const m of claimed) await store.complete(m);
      });
    });

    describeTransactionGuardContract(fx, TENANT);
  });
}
