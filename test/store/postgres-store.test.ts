/**
 * The PostgreSQL QueueStore: the shared contract suite, then what only PostgreSQL has (the exact
 * DDL, identifier quoting, index use, the pool's error listener, COMMIT that rolls back, ...).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { LeaseLostError, describeError } from '../../src/errors';
import { createPostgresPoolRegistry } from '../../src/store/postgres/create-pool';
import { fenceArrays } from '../../src/store/postgres/fence-arrays';
import { FENCE_ROWS } from '../../src/store/postgres/sql/fence';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations';
import { createPostgresStore } from '../../src/store/postgres/postgres-store';
import { quoteIdent, quoteTable } from '../../src/store/postgres/quote-table';
import { postgresStatements } from '../../src/store/postgres/statements';
import { DEFAULT_STORE_OPTIONS, type ClaimedMessage, type QueueStore } from '../../src/store/types';
import { createPostgresStoreFixture, TEST_POOL_OPTIONS } from '../support/store-fixtures';
import { describeStoreContract } from './store-contract';

describeStoreContract('PostgreSQL', createPostgresStoreFixture());

describe('PostgreSQL store specifics', () => {
  const fx = createPostgresStoreFixture('tqw_pgstore');
  beforeAll(() => fx.setup());
  afterEach(() => fx.afterEachTest());
  afterAll(() => fx.teardown());

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const schemaOf = (store: QueueStore) => fx.tenantOf(store).schema!;

  async function claimOne(store: QueueStore): Promise<ClaimedMessage> {
    const [m] = await store.claim({ limit: 1, leaseMs: 60_000 });
    if (!m) throw new Error('nothing claimed');
    return m;
  }

  /**
   * The situation complete-many.ts describes: a history of 50,000 Completed rows, `pending` new
   * ones, statistics taken while none was Processing; then `claimed` of them claimed in one batch
   * (sharing one DequeueTime). Returns the claims and their fence arrays ($1, $2, $3 of completeMany).
   */
  async function claimedAfterHistory(store: QueueStore, pending: number, claimed: number) {
    await fx.query(
      `INSERT INTO ${store.tableName} ("Id", "TenantId", "MessageType", "Payload", "Status", "LastAttemptTime")
       SELECT gen_random_uuid(), 't', 'X', '{}', 'Completed', now() FROM generate_series(1, 50000)`,
    );
    await fx.query(
      `INSERT INTO ${store.tableName} ("Id", "TenantId", "MessageType", "Payload") SELECT gen_random_uuid(), 't', 'X', '{}' FROM generate_series(1, ${pending})`,
    );
    await fx.query(`ANALYZE ${store.tableName}`);
    const fences = await store.claim({ limit: claimed, leaseMs: 60_000 });
    const arrays = [fences.map((f) => f.id), fences.map((f) => f.dequeueTime), fences.map((f) => f.processingAttempts)];
    return { fences, arrays };
  }

  /** EXPLAIN (COSTS OFF) of a statement, as text. */
  async function planOf(text: string, params: unknown[]): Promise<string> {
    return (await fx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${text}`, params)).map((r) => r['QUERY PLAN']).join('\n');
  }

  test('the table has the columns and types EF Core + Npgsql use, and Payload is text so invalid JSON is stored', async () => {
    const store = await fx.makeStore('t');
    const cols = await fx.query<{ column_name: string; data_type: string; is_nullable: string; len: number | null }>(
      `SELECT column_name, data_type, is_nullable, character_maximum_length AS len
       FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'QueueMessages' ORDER BY ordinal_position`,
      [schemaOf(store)],
    );
    expect(cols.map((c) => [c.column_name, c.data_type, c.is_nullable, c.len])).toEqual([
      ['Id', 'uuid', 'NO', null],
      ['TenantId', 'character varying', 'NO', 50],
      ['MessageType', 'character varying', 'NO', 255],
      ['Payload', 'text', 'NO', null],
      ['ScheduledTime', 'timestamp with time zone', 'NO', null],
      ['DequeueTime', 'timestamp with time zone', 'YES', null],
      ['ProcessingAttempts', 'integer', 'NO', null],
      ['LastAttemptTime', 'timestamp with time zone', 'YES', null],
      ['Status', 'character varying', 'NO', 50],
      ['ErrorMessage', 'text', 'YES', null],
      ['CorrelationId', 'uuid', 'YES', null],
      ['CreatedAt', 'timestamp with time zone', 'NO', null],
      // Added by a later migration: nullable, so the article's producers keep working.
      ['Priority', 'integer', 'YES', null],
      ['DedupeKey', 'character varying', 'YES', 255],
      // NOT NULL with a default of 0: a producer's INSERT that does not name it still works (below).
      ['SnoozeCount', 'integer', 'NO', null],
    ]);
    // A producer's plain INSERT relying on the defaults, with a payload that is not JSON.
    const [row] = await fx.query<{ Id: string; Status: string }>(
      `INSERT INTO ${store.tableName} ("TenantId", "MessageType", "Payload") VALUES ('t', 'X', '<xml/>') RETURNING "Id", "Status"`,
    );
    expect(row!.Status).toBe('Pending');
    expect((await store.getMessage(row!.Id))?.payload).toBe('<xml/>');
  });

  test('the Status CHECK constraint rejects values the worker does not know', async () => {
    const store = await fx.makeStore('t');
    await expect(
      fx.query(`INSERT INTO ${store.tableName} ("TenantId", "MessageType", "Payload", "Status") VALUES ('t', 'X', '{}', 'Done')`),
    ).rejects.toThrow(/CK_QueueMessages_Status/);
  });

  test('migrations are recorded once each in "QueueMigrations", even when run concurrently, and create the partial indexes only', async () => {
    const base = await fx.makeStore('t', { migrate: false });
    const peers = await Promise.all([1, 2, 3].map(() => fx.openPeer(base)));
    await Promise.all([base, ...peers].map((s) => s.migrate()));
    await base.migrate();
    const applied = await fx.query<{ Id: string }>(`SELECT "Id" FROM ${quoteTable(schemaOf(base), 'QueueMigrations')} ORDER BY "Id"`);
    expect(applied.map((r) => r.Id)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.id));

    const indexes = await fx.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'QueueMessages' ORDER BY indexname`,
      [schemaOf(base)],
    );
    expect(indexes.map((i) => i.indexname)).toEqual([
      'IX_QueueMessages_DeadLetter',
      'IX_QueueMessages_Due',
      'IX_QueueMessages_DuePriority',
      'IX_QueueMessages_Lease',
      'IX_QueueMessages_Retention',
      'PK_QueueMessages',
      'UX_QueueMessages_DedupeKey',
    ]);
    for (const i of indexes.filter((x) => /^(IX|UX)_/.test(x.indexname))) expect(i.indexdef).toMatch(/ WHERE /);
    expect(indexes.some((i) => /TenantId/.test(i.indexdef))).toBe(false);
  });

  test('ids are time-ordered: the table default is uuidv7() where the server has it, and enqueue() makes v7 ids', async () => {
    const store = await fx.makeStore('t');
    const [{ has }] = await fx.query<{ has: boolean }>(`SELECT to_regprocedure('uuidv7()') IS NOT NULL AS has`);
    const [{ def }] = await fx.query<{ def: string }>(
      `SELECT pg_get_expr(d.adbin, d.adrelid) AS def FROM pg_attrdef d
         JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        WHERE d.adrelid = $1::regclass AND a.attname = 'Id'`,
      [store.tableName],
    );
    // PostgreSQL 18+ has uuidv7(); an older server keeps gen_random_uuid() (the migration checks).
    expect(def).toBe(has ? 'uuidv7()' : 'gen_random_uuid()');
    const rows = await fx.query<{ Id: string }>(
      `INSERT INTO ${store.tableName} ("TenantId", "MessageType", "Payload") SELECT 't', 'X', '{}' FROM generate_series(1, 3) RETURNING "Id"`,
    );
    for (const r of rows) expect(r.Id[14]).toBe(has ? '7' : '4');
    // The store's own enqueue (and so `tqw enqueue`) makes v7 ids whatever the server.
    const before = Date.now();
    const id = await store.enqueue({ tenantId: 't', messageType: 'X', payload: {} });
    expect(id[14]).toBe('7');
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(before);
  });

  test('migrate adopts a table an application created itself (no defaults, no CHECK) and enqueue still works', async () => {
    const schema = `app_${randomBytes(4).toString('hex')}`;
    await fx.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await fx.query(`CREATE TABLE ${quoteTable(schema)} (
      "Id" uuid NOT NULL PRIMARY KEY, "TenantId" varchar(50) NOT NULL, "MessageType" varchar(255) NOT NULL,
      "Payload" text NOT NULL, "ScheduledTime" timestamptz NOT NULL, "DequeueTime" timestamptz NULL,
      "ProcessingAttempts" integer NOT NULL, "LastAttemptTime" timestamptz NULL, "Status" varchar(50) NOT NULL,
      "ErrorMessage" text NULL, "CorrelationId" uuid NULL, "CreatedAt" timestamptz NOT NULL)`);
    const store = await fx.makeStore('t', { schema });
    const id = await store.enqueue({ tenantId: 't', messageType: 'X', payload: { a: 1 } });
    expect((await claimOne(store)).id).toBe(id);
    const [idx] = await fx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'IX_QueueMessages_%'`,
      [schema],
    );
    expect(idx!.n).toBe(5);
  });

  test('schema names are quoted safely: a schema with quotes, spaces and SQL in its name works end to end', async () => {
    expect(quoteTable('a"b')).toBe('"a""b"."QueueMessages"');
    expect(quoteTable(undefined)).toBe('"QueueMessages"');
    expect(() => quoteIdent('')).toThrow(TypeError);
    const schema = `Tenant "Q"; DROP TABLE x; -- ${randomBytes(3).toString('hex')}`;
    const store = await fx.makeStore('t', { schema });
    expect(store.tableName).toBe(`${quoteIdent(schema)}."QueueMessages"`);
    const id = await store.enqueue({ tenantId: 't', messageType: 'X', payload: 1 });
    const claimed = await claimOne(store);
    expect(claimed.id).toBe(id);
    expect(await store.complete(claimed)).toBe(true);
    const [ns] = await fx.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1`, [schema]);
    expect(ns!.n).toBe(1);
  });

  test('claim, depth, purge and listDeadLetters are answered from the partial indexes, not a table scan', async () => {
    const store = await fx.makeStore('t');
    const sql = postgresStatements(store.tableName);
    const client = new pg.Client({ connectionString: fx.database().url });
    await client.connect();
    try {
      await client.query('SET enable_seqscan = off'); // any plan that still scans the table has no index to use
      const plan = async (text: string, params: unknown[]) =>
        JSON.stringify((await client.query(`EXPLAIN (FORMAT JSON) ${text}`, params)).rows[0]);
      const expectIndexes = (p: string, names: string[]) => {
        expect(p).not.toMatch(/Seq Scan/);
        for (const n of names) expect(p).toContain(n);
      };
      expectIndexes(await plan(sql.claim, [10, 60_000]), ['IX_QueueMessages_Due', 'IX_QueueMessages_Lease']);
      expectIndexes(await plan(sql.depth, []), ['IX_QueueMessages_Due', 'IX_QueueMessages_Lease', 'IX_QueueMessages_DeadLetter']);
      expectIndexes(await plan(sql.purge, ['Completed', 3_600_000, 100]), ['IX_QueueMessages_Retention']);
      expectIndexes(await plan(sql.purge, ['DeadLetter', 3_600_000, 100]), ['IX_QueueMessages_DeadLetter']);
      expectIndexes(await plan(sql.listDeadLetters, [10]), ['IX_QueueMessages_DeadLetter']);
    } finally {
      await client.end();
    }
  });

  test('the server reads the binary fence arrays of completeMany as the fences, and refuses them under another type', async () => {
    const fences = [
      { id: '0190a6f1-0000-7000-8000-000000000001', dequeueTime: new Date('2026-11-24T21:00:00.123Z'), processingAttempts: 1 },
      { id: 'ABCDEF01-2345-6789-ABCD-EF0123456789', dequeueTime: new Date('1999-12-31T23:59:59.999Z'), processingAttempts: 2_147_483_647 },
      { id: '0190a6f1-0000-7000-8000-000000000003', dequeueTime: new Date('2026-11-24T21:00:00.123Z'), processingAttempts: -1 },
    ];
    const rows = await fx.query<{ id: string; t: Date; a: number }>(
      `SELECT "Id"::text AS id, "DequeueTime" AS t, "ProcessingAttempts" AS a FROM ${FENCE_ROWS}`,
      fenceArrays(fences),
    );
    expect(rows).toEqual(fences.map((f) => ({ id: f.id.toLowerCase(), t: f.dequeueTime, a: f.processingAttempts })));
    // The casts of the statement type the parameters; an array of another element type is an error.
    const [ids, times] = fenceArrays(fences);
    await expect(fx.query('SELECT unnest($1::timestamptz[])', [ids])).rejects.toThrow(/element type/);
    await expect(fx.query('SELECT unnest($1::uuid[])', [times])).rejects.toThrow(/element type/);
  });

  test('the claim updates its rows through primary-key lookups, not a scan of the whole table, in custom and generic plans', async () => {
    // 20,000 due rows: a size where the planner, given a join to the picked ids, prices a hash join
    // over a sequential scan of the table below 1,000 index lookups (see claim.ts).
    const store = await fx.makeStore('t');
    await fx.query(
      `INSERT INTO ${store.tableName} ("Id", "TenantId", "MessageType", "Payload") SELECT gen_random_uuid(), 't', 'X', '{}' FROM generate_series(1, 20000)`,
    );
    await fx.query(`ANALYZE ${store.tableName}`);
    const claim = postgresStatements(store.tableName).claim;
    const plans = async (text: string) => {
      const client = new pg.Client({ connectionString: fx.database().url });
      await client.connect();
      try {
        await client.query(`PREPARE claim_plan(int, double precision) AS ${text}`);
        const out: string[] = [];
        for (const mode of ['force_custom_plan', 'force_generic_plan']) {
          await client.query(`SET plan_cache_mode = ${mode}`);
          const rows = (await client.query<{ 'QUERY PLAN': string }>('EXPLAIN (COSTS OFF) EXECUTE claim_plan(1000, 60000)')).rows;
          out.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
        }
        return out;
      } finally {
        await client.end();
      }
    };
    for (const plan of await plans(claim)) {
      expect(plan).toMatch(/^Update on "QueueMessages" q/);
      // An index scan of the primary key by the picked ids (a bitmap one where the ids are random).
      expect(plan).toMatch(/Index Scan (using|on) "PK_QueueMessages"( on "QueueMessages" q)?\n\s+Index Cond: \("Id" = ANY/);
      // The due work is walked in claim order on its index (the pause switches' few rows may be scanned).
      expect(plan).toMatch(/Index Scan using "IX_QueueMessages_DuePriority" on "QueueMessages"/);
      expect(plan).not.toMatch(/Seq Scan on "QueueMessages"/);
      expect(plan).not.toMatch(/Hash Join/);
    }
    // Control: the same claim written as a join to the picked rows gets the plan claim.ts avoids.
    const joined = claim.replace('WHERE q."Id" = ANY (ARRAY(SELECT "Id" FROM picked))', 'FROM picked WHERE q."Id" = picked."Id"');
    expect(joined).not.toBe(claim);
    for (const plan of await plans(joined)) expect(plan).toMatch(/Hash Join[\s\S]*Seq Scan on "QueueMessages" q/);
    // And the claim still claims: 1,000 rows, each once.
    const claimed = await store.claim({ limit: 1000, leaseMs: 60_000 });
    expect(new Set(claimed.map((m) => m.id)).size).toBe(1000);
    expect((await store.depth()).Processing).toBe(1000);
  });

  test('deleteOnCompletion: the batch DELETE is a nested loop of primary-key lookups over the fences, like the UPDATE', async () => {
    // The situation complete-many.ts describes: statistics taken while no row was Processing, then
    // a claim batch sharing one DequeueTime. The plain status equality would scan "IX_QueueMessages_Lease".
    // (With about 20,000 rows or fewer the planner prefers a sequential scan and a hash join for the
    // UPDATE and the DELETE alike; the history that makes the lookups matter is larger.)
    const store = await fx.makeStore('t', { deleteOnCompletion: true });
    const claimed = await claimedAfterHistory(store, 2000, 1000);
    const fences = claimed.fences.slice(0, 100);
    const arrays = claimed.arrays.map((a) => a.slice(0, 100));
    const sql = postgresStatements(store.tableName, { ...DEFAULT_STORE_OPTIONS, deleteOnCompletion: true });
    const plan = planOf;

    const batch = await plan(sql.completeMany, arrays);
    expect(batch).toMatch(/^Delete on "QueueMessages" q/);
    expect(batch).toContain('Nested Loop');
    expect(batch).toContain('Function Scan on f');
    expect(batch).toContain('Index Scan using "PK_QueueMessages"');
    expect(batch).not.toContain('IX_QueueMessages_Lease');
    expect(batch).not.toContain('Hash');
    // The same plan as the UPDATE it replaces, line for line.
    const update = await plan(postgresStatements(store.tableName).completeMany, arrays);
    expect(batch.replace(/^Delete on/, 'Update on')).toBe(update);
    // Control: the same DELETE with the plain equality gets the plan the fence.ts form avoids, so
    // the assertions above do tell the two apart.
    const plain = sql.completeMany.replace(`q."Status" || '' = 'Processing'`, `q."Status" = 'Processing'`);
    expect(plain).not.toBe(sql.completeMany);
    expect(await plan(plain, arrays)).toContain('IX_QueueMessages_Lease');

    const one = fences[0]!;
    for (const text of [sql.complete, sql.completingUpdate]) {
      const single = await plan(text, [one.id, one.dequeueTime, one.processingAttempts]);
      expect(single).toMatch(/^Delete on "QueueMessages"/);
      expect(single).toContain('Index Scan using "PK_QueueMessages"');
    }
    // The statements still do their job on this table: the 100 rows go, the other 900 claims stay.
    expect((await store.completeMany(fences)).sort()).toEqual(fences.map((f) => f.id).sort());
    expect((await store.depth()).Processing).toBe(900);
  });

  /**
   * A row trigger on the store's table records the synchronous_commit in force inside each writing
   * statement's own transaction (what the commit of that transaction obeys); the function returned
   * gives the distinct settings recorded since its last call.
   */
  async function recordCommitSettings(store: QueueStore): Promise<() => Promise<string[]>> {
    const schema = quoteIdent(schemaOf(store));
    const log = quoteTable(schemaOf(store), 'CommitLog');
    await fx.query(`CREATE TABLE ${log} (n serial PRIMARY KEY, op text NOT NULL, setting text NOT NULL)`);
    await fx.query(
      `CREATE FUNCTION ${schema}.log_commit_setting() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN INSERT INTO ${log} (op, setting) VALUES (TG_OP, current_setting('synchronous_commit')); RETURN NULL; END $$`,
    );
    await fx.query(
      `CREATE TRIGGER log_commit_setting AFTER UPDATE OR DELETE ON ${store.tableName} FOR EACH ROW EXECUTE FUNCTION ${schema}.log_commit_setting()`,
    );
    return async () => {
      const rows = await fx.query<{ setting: string }>(`DELETE FROM ${log} RETURNING setting`);
      return [...new Set(rows.map((r) => r.setting))];
    };
  }

  test('asyncCommit: claims, completions and lease extensions commit with synchronous_commit off; handler transactions and other stores do not', async () => {
    const fast = await fx.makeStore('t', { asyncCommit: true });
    const settings = await recordCommitSettings(fast);
    const plainPools = createPostgresPoolRegistry();
    const plain = createPostgresStore(fx.tenantOf(fast), plainPools, TEST_POOL_OPTIONS, undefined, {
      ...DEFAULT_STORE_OPTIONS,
      asyncClaims: false,
    });
    try {
      for (let i = 0; i < 4; i++) await fast.enqueue({ tenantId: 't', messageType: 'X', payload: '{}' });
      expect(await settings()).toEqual([]);
      const [a, b, c, d] = await fast.claim({ limit: 4, leaseMs: 60_000 });
      expect(await settings()).toEqual(['off']);
      const moved = await fast.extendLease(a!);
      expect(await settings()).toEqual(['off']);
      expect(await fast.complete(moved!)).toBe(true);
      expect(await settings()).toEqual(['off']);
      expect(await fast.completeMany([b!])).toEqual([b!.id]);
      expect(await settings()).toEqual(['off']);
      // A transactional handler's completion commits synchronously.
      await fast.withCompletingTransaction!(c!, async () => undefined);
      expect(await settings()).toEqual(['on']);
      // The setting did not stay on the pooled connections: a store without asyncCommit commits synchronously.
      expect(await plain.completeMany([d!])).toEqual([d!.id]);
      expect(await settings()).toEqual(['on']);
      await plain.enqueue({ tenantId: 't', messageType: 'X', payload: '{}' });
      await plain.claim({ limit: 1, leaseMs: 60_000 });
      expect(await settings()).toEqual(['on']);
    } finally {
      await plain.close();
      await plainPools.closeAll();
    }
  });

  test('asyncClaims (the default): only the claim commits with synchronous_commit off; asyncClaims false claims synchronously', async () => {
    const store = await fx.makeStore('t');
    const settings = await recordCommitSettings(store);
    expect(DEFAULT_STORE_OPTIONS.asyncClaims).toBe(true);
    for (let i = 0; i < 5; i++) await store.enqueue({ tenantId: 't', messageType: 'X', payload: '{}' });
    const [a, b, c, d] = await store.claim({ limit: 4, leaseMs: 60_000 });
    expect(await settings()).toEqual(['off']);
    // Everything after the claim commits synchronously, and each such flush covers the claim's log.
    const moved = await store.extendLease(a!);
    expect(await settings()).toEqual(['on']);
    expect(await store.complete(moved!)).toBe(true);
    expect(await store.completeMany([b!])).toEqual([b!.id]);
    await store.withCompletingTransaction!(c!, async () => undefined);
    expect(await store.retry(d!, { error: 'boom', delayMs: 0 })).toBe(true);
    expect(await settings()).toEqual(['on']);
    const durablePools = createPostgresPoolRegistry();
    const durable = createPostgresStore(fx.tenantOf(store), durablePools, TEST_POOL_OPTIONS, undefined, {
      ...DEFAULT_STORE_OPTIONS,
      asyncClaims: false,
    });
    try {
      expect(await durable.claim({ limit: 2, leaseMs: 60_000 })).toHaveLength(2);
      expect(await settings()).toEqual(['on']);
    } finally {
      await durable.close();
      await durablePools.closeAll();
    }
  });

  test('asyncCommit leaves the plans alone: the batch completion is still a nested loop of primary-key lookups', async () => {
    const store = await fx.makeStore('t', { asyncCommit: true });
    const { fences, arrays } = await claimedAfterHistory(store, 200, 100);
    const plan = planOf;
    const fast = postgresStatements(store.tableName, { ...DEFAULT_STORE_OPTIONS, asyncCommit: true });
    const batch = await plan(fast.completeMany, arrays);
    // The setting is one InitPlan run once, gating (One-Time Filter) exactly the join of the plain
    // statement: a nested loop over the fences with one primary-key lookup each.
    const steps = (text: string) => text.split('\n').map((line) => line.replace(/^\s*(->\s+)?/, ''));
    const gated = steps(batch);
    // (PostgreSQL 18 prints the InitPlan as "(InitPlan 1).col1", older versions as "$0".)
    expect(gated.slice(0, 4)).toEqual(['Update on "QueueMessages" q', expect.stringMatching(/^InitPlan 1/), 'Result', 'Result']);
    expect(gated[4]).toMatch(/^One-Time Filter: \(.+ IS NOT NULL\)$/);
    const usual = steps(await plan(postgresStatements(store.tableName).completeMany, arrays));
    expect(usual.slice(1, 3)).toEqual(['Nested Loop', 'Function Scan on f']);
    expect(gated.slice(5)).toEqual(usual.slice(1));
    expect(batch).not.toContain('IX_QueueMessages_Lease');
    expect(batch).not.toContain('Hash');
    expect((await store.completeMany(fences)).length).toBe(100);
  });

  test('an idle connection killed by the server does not crash the process; the next query reconnects', async () => {
    const store = await fx.makeStore('t');
    await store.ping(); // leaves an idle client in the pool
    const killed = await fx.query<{ ok: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'tqw' AND pid <> pg_backend_pid()`,
    );
    expect(killed.length).toBeGreaterThan(0);
    await sleep(200); // the idle client's 'error' event fires here; without the pool's listener Node would crash
    await expect(store.ping()).resolves.toBeUndefined();
    expect(await store.depth()).toEqual({ Pending: 0, Processing: 0, Failed: 0, DeadLetter: 0 });
  });

  test('a connection error never carries the password', async () => {
    const secret = `wrong-${randomBytes(6).toString('hex')}`;
    const url = new URL(fx.database().url);
    url.password = secret;
    const pools = createPostgresPoolRegistry();
    const store = createPostgresStore(fx.makeTenant('t', undefined, url.toString()), pools, TEST_POOL_OPTIONS);
    try {
      const err: unknown = await store.ping().then(
        () => new Error('ping unexpectedly succeeded'),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      const e = err as Error & Record<string, unknown>;
      expect(e.message).toMatch(/password authentication failed/);
      const everything = [e.message, e.stack, JSON.stringify(e), String(e.cause ?? '')].join('\n');
      expect(everything).not.toContain(secret);
    } finally {
      await store.close();
      await pools.closeAll();
    }
  });

  test('a transaction whose handler swallowed a database error is rolled back at COMMIT and reported as a failure', async () => {
    const store = await fx.makeStore('t');
    await fx.createEffectsTable(store);
    const id = await store.enqueue({ tenantId: 't', messageType: 'X', payload: {} });
    const claimed = await claimOne(store);
    await expect(
      store.withClaimTransaction(claimed, async (tx) => {
        await fx.insertEffect(store, tx, id);
        await store.complete(claimed, tx);
        const client = tx.handle as pg.PoolClient;
        await client.query('SELECT 1/0').catch(() => undefined); // swallowed: the transaction is now aborted
      }),
    ).rejects.toThrow(/rolled back at COMMIT/);
    expect(await fx.countEffects(store, id)).toBe(0);
    expect((await store.getMessage(id))?.status).toBe('Processing');
    expect(await store.retry(claimed, { delayMs: 0, error: 'x' })).toBe(true);
  });

  test('withClaimTransaction waits out a claimer that only holds the row lock, and reports a lease lost when the lock holder changed the fence', async () => {
    const store = await fx.makeStore('t');
    const id = await store.enqueue({ tenantId: 't', messageType: 'X', payload: {} });
    const claimed = await claimOne(store);
    const other = new pg.Client({ connectionString: fx.database().url });
    await other.connect();
    try {
      // A lock without a change (what a claimer whose snapshot predates our claim leaves for a moment).
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM ${store.tableName} WHERE "Id" = $1 FOR UPDATE`, [id]);
      let finished = false;
      const running = store
        .withClaimTransaction(claimed, async (tx) => store.complete(claimed, tx))
        .finally(() => {
          finished = true;
        });
      await sleep(300);
      expect(finished).toBe(false); // waiting for the lock, not failing
      await other.query('COMMIT');
      await expect(running).resolves.toBe(true);

      // A reclaim in progress: the lock holder moves the fence, then commits.
      const id2 = await store.enqueue({ tenantId: 't', messageType: 'X', payload: {} });
      const claimed2 = await claimOne(store);
      await other.query('BEGIN');
      await other.query(
        `UPDATE ${store.tableName} SET "DequeueTime" = "DequeueTime" + interval '1 second', "ProcessingAttempts" = "ProcessingAttempts" + 1 WHERE "Id" = $1`,
        [id2],
      );
      const lost = store.withClaimTransaction(claimed2, async () => 'ran');
      await sleep(200);
      await other.query('COMMIT');
      await expect(lost).rejects.toBeInstanceOf(LeaseLostError);
    } finally {
      await other.end();
    }
  });

  test('a table this version needs but the schema lacks (tqw migrate not run after an upgrade): the claim error says to run tqw migrate', async () => {
    const store = await fx.makeStore('t');
    await fx.query(`DROP TABLE ${quoteTable(schemaOf(store), 'QueuePauses')}`);
    const err = await store.claim({ limit: 1, leaseMs: 60_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(describeError(err)).toMatch(
      /QueuePauses.* does not exist \(hint: \S*QueuePauses is missing: .*run it with the admin login \(`tqw migrate --tenants FILE`\)/,
    );
  });

  test('a role that may only use the queue table can run migrate on an up-to-date schema and work the queue', async () => {
    const store = await fx.makeStore('t');
    const schema = schemaOf(store);
    const role = `tqw_lp_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(8).toString('hex');
    await fx.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    const pools = createPostgresPoolRegistry();
    try {
      await fx.query(`GRANT CONNECT ON DATABASE ${quoteIdent(fx.database().name)} TO ${role}`);
      await fx.query(`GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${role}`);
      await fx.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${store.tableName} TO ${role}`);
      await fx.query(`GRANT SELECT ON ${quoteTable(schema, 'QueueMigrations')} TO ${role}`);
      await fx.query(`GRANT INSERT ON ${quoteTable(schema, 'QueueMessageErrors')} TO ${role}`);
      await fx.query(`GRANT SELECT ON ${quoteTable(schema, 'QueuePauses')} TO ${role}`);
      const url = new URL(fx.database().url);
      url.username = role;
      url.password = password;
      const limited = createPostgresStore(fx.makeTenant('t', schema, url.toString()), pools, TEST_POOL_OPTIONS);
      await limited.migrate();
      await limited.ping();
      await limited.enqueue({ tenantId: 't', messageType: 'X', payload: {} });
      const m = await claimOne(limited);
      expect(await limited.complete(m)).toBe(true);
      expect(await limited.purge('Completed', 0, 10)).toBe(1);
      // The error history needs only INSERT; the cascade of a purge needs no grant.
      await limited.enqueue({ tenantId: 't', messageType: 'X', payload: {} });
      expect(await limited.retry(await claimOne(limited), { delayMs: 0, error: 'once' })).toBe(true);
      expect(await limited.deadLetter(await claimOne(limited), 'twice')).toBe(true);
      expect(await limited.purge('DeadLetter', 0, 10)).toBe(1);

      const elsewhere = createPostgresStore(fx.makeTenant('t', `nope_${role}`, url.toString()), pools, TEST_POOL_OPTIONS);
      await expect(elsewhere.migrate()).rejects.toThrow(/permission denied/);
      await limited.close();
      await elsewhere.close();
    } finally {
      await pools.closeAll();
      await fx.query(`DROP OWNED BY ${role}`);
      await fx.query(`DROP ROLE ${role}`);
    }
  });

  test("bad input is refused with a clear error: another dialect's transaction, an unserialisable payload, a limit below 1", async () => {
    const store = await fx.makeStore('t');
    await expect(store.enqueue({ tenantId: 't', messageType: 'X', payload: {} }, { dialect: 'sqlserver', handle: {} })).rejects.toThrow(
      /PostgreSQL but was given a sqlserver transaction/,
    );
    await expect(store.enqueue({ tenantId: 't', messageType: 'X', payload: undefined })).rejects.toThrow(/cannot be serialised/);
    await expect(store.claim({ limit: 0, leaseMs: 1 })).rejects.toThrow(RangeError);
    await expect(store.purge('Completed', 0, 0)).rejects.toThrow(RangeError);
    expect(await store.stats()).toEqual({
      counts: { Pending: 0, Processing: 0, Completed: 0, Failed: 0, DeadLetter: 0 },
      oldestDueAgeSeconds: null,
      waitingByType: {},
    });
  });

  test('a closed store refuses work with a clear error instead of reopening its pool', async () => {
    const store = await fx.makeStore('t');
    await store.close();
    await expect(store.ping()).rejects.toThrow(/store of tenant 't' .* is closed/);
    expect(fx.openPoolCount(store)).toBe(0);
  });
});
