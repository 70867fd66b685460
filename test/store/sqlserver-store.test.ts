/**
 * The SQL Server store against a real SQL Server: the shared contract suite, then what is specific
 * to T-SQL (table layout, adopting the article's table, lock behaviour, XACT_ABORT, least privilege).
 * Runs only when MSSQL_URL is set (see test/support/mssql.ts); otherwise every test is reported
 * skipped. Nothing here fakes SQL Server.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import mssql from 'mssql';
import { LeaseLostError, describeError } from '../../src/errors';
import { sqlServerConfig } from '../../src/store/sqlserver/connection-config';
import { createSqlServerPoolRegistry } from '../../src/store/sqlserver/create-pool';
import { CLAIM_INDEX, SQLSERVER_MIGRATIONS } from '../../src/store/sqlserver/migrations';
import { quoteIdent, quoteTable } from '../../src/store/sqlserver/quote-table';
import { MAX_PURGE_BATCH, createSqlServerStore } from '../../src/store/sqlserver/sqlserver-store';
import type { ClaimedMessage, QueueStore } from '../../src/store/types';
import {
  BABELFISH_IGNORES_HINTS,
  describeIfMssql,
  itUnlessBabelfish,
  mssqlUrl,
  onBabelfish,
  withDatabase,
  withLogin,
} from '../support/mssql';
import { createSqlServerStoreFixture, TEST_POOL_OPTIONS } from './sqlserver/sqlserver-fixture';
import { describeStoreContract } from './store-contract';

describeStoreContract('SQL Server', createSqlServerStoreFixture(), {
  skip: mssqlUrl() === undefined,
  hintsIgnored: onBabelfish()
    ? {
        server: 'Babelfish',
        reason: `${BABELFISH_IGNORES_HINTS}, so a claimer waits for a held row instead of skipping it, and this test claims from inside the transaction that holds it`,
      }
    : undefined,
});

/**
 * Index names as this server reads them back: Babelfish stores `IX_A` as `ix_a<table><hash>`, so
 * there a name read back is mapped to the expected name it starts with (lower-cased).
 */
function indexNameAsCreated(name: string, expected: readonly string[]): string {
  if (!onBabelfish()) return name;
  // lower(name + table), cut to 31 characters, then a 32-digit hex hash.
  const prefix = name.replace(/[0-9a-f]{32}$/, '');
  return expected.find((e) => e.toLowerCase().startsWith(prefix) || prefix.startsWith(e.toLowerCase())) ?? name;
}

describeIfMssql('SQL Server store specifics', () => {
  const fx = createSqlServerStoreFixture('tqw_msstore');
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

  /** A second connection of the test's own, for holding locks behind the store's back. */
  async function otherConnection(): Promise<mssql.ConnectionPool> {
    const pool = new mssql.ConnectionPool({ ...sqlServerConfig(fx.database().connectionString), pool: { max: 1, min: 0 } });
    pool.on('error', () => undefined);
    return pool.connect();
  }

  test("the table has the article's columns and types, a clustered primary key on Id and the claim index", async () => {
    const store = await fx.makeStore('t');
    const cols = await fx.query<{ name: string; type: string; nullable: string; len: number | null }>(
      `SELECT COLUMN_NAME AS [name], DATA_TYPE AS [type], IS_NULLABLE AS [nullable], CHARACTER_MAXIMUM_LENGTH AS [len]
       FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = @schema AND TABLE_NAME = N'QueueMessages' ORDER BY ORDINAL_POSITION`,
      (r) => r.input('schema', mssql.NVarChar(128), schemaOf(store)),
    );
    expect(cols.map((c) => [c.name, c.type, c.nullable, c.len])).toEqual([
      ['Id', 'uniqueidentifier', 'NO', null],
      ['TenantId', 'nvarchar', 'NO', 50],
      ['MessageType', 'nvarchar', 'NO', 255],
      ['Payload', 'nvarchar', 'NO', -1],
      ['ScheduledTime', 'datetimeoffset', 'NO', null],
      ['DequeueTime', 'datetimeoffset', 'YES', null],
      ['ProcessingAttempts', 'int', 'NO', null],
      ['LastAttemptTime', 'datetimeoffset', 'YES', null],
      ['Status', 'nvarchar', 'NO', 50],
      ['ErrorMessage', 'nvarchar', 'YES', -1],
      ['CorrelationId', 'uniqueidentifier', 'YES', null],
      ['CreatedAt', 'datetimeoffset', 'NO', null],
      // Added by later migrations: nullable, so the article's producers keep working.
      ['Priority', 'int', 'YES', null],
      ['DedupeKey', 'nvarchar', 'YES', 255],
      // NOT NULL with a default of 0 (DF_QueueMessages_SnoozeCount): producers that do not name it keep working.
      ['SnoozeCount', 'int', 'NO', null],
    ]);
    // Key columns read row by row (Babelfish has no STRING_AGG ... WITHIN GROUP).
    const keyRows = await fx.query<{ name: string; type: string; col: string; ord: number }>(
      `SELECT i.name AS [name], i.type_desc AS [type], c.name AS [col], ic.key_ordinal AS [ord]
       FROM sys.indexes i
       JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.key_ordinal > 0
       JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
       WHERE i.object_id = OBJECT_ID(@table)`,
      (r) => r.input('table', mssql.NVarChar(300), store.tableName),
    );
    const byName = new Map<string, { name: string; type: string; cols: Array<[number, string]> }>();
    for (const k of keyRows) {
      const entry = byName.get(k.name) ?? { name: k.name, type: k.type, cols: [] };
      entry.cols.push([k.ord, k.col]);
      byName.set(k.name, entry);
    }
    const indexes = [...byName.values()].map((e) => ({
      name: e.name,
      type: e.type,
      keys: e.cols
        .sort((a, b) => a[0] - b[0])
        .map(([, c]) => c)
        .join(','),
    }));
    const known = [CLAIM_INDEX, 'IX_QueueMessages_DedupeKey', 'PK_QueueMessages'];
    const found = indexes.map((i) => ({ ...i, name: indexNameAsCreated(i.name, known), keys: i.keys.toLowerCase() }));
    expect(found.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'IX_QueueMessages_DedupeKey', type: 'NONCLUSTERED', keys: 'dedupekey' },
      { name: CLAIM_INDEX, type: 'NONCLUSTERED', keys: 'status,scheduledtime' },
      // Babelfish stores tables as PostgreSQL heaps: its primary key reads back as NONCLUSTERED.
      { name: 'PK_QueueMessages', type: onBabelfish() ? 'NONCLUSTERED' : 'CLUSTERED', keys: 'id' },
    ]);
    // A producer's plain INSERT relying on the defaults, with a payload that is not JSON.
    const [row] = await fx.query<{ Id: string; Status: string }>(
      `INSERT INTO ${store.tableName} (TenantId, MessageType, Payload) OUTPUT inserted.Id AS [Id], inserted.Status AS [Status] VALUES (N't', N'X', N'<xml/>');`,
    );
    expect(row!.Status).toBe('Pending');
    expect((await store.getMessage(row!.Id.toLowerCase()))?.payload).toBe('<xml/>');
  });

  test('the Status CHECK constraint rejects values the worker does not know', async () => {
    const store = await fx.makeStore('t');
    await expect(
      fx.query(`INSERT INTO ${store.tableName} (TenantId, MessageType, Payload, Status) VALUES (N't', N'X', N'{}', N'Done');`),
    ).rejects.toThrow(/CK_QueueMessages_Status/i); // Babelfish reports the name lower-cased
  });

  test('migrations are recorded once each in [QueueMigrations], even when run concurrently', async () => {
    const base = await fx.makeStore('t', { migrate: false });
    const peers = await Promise.all([1, 2, 3].map(() => fx.openPeer(base)));
    await Promise.all([base, ...peers].map((s) => s.migrate()));
    await base.migrate();
    const applied = await fx.query<{ Id: string }>(`SELECT Id FROM ${quoteTable(schemaOf(base), 'QueueMigrations')} ORDER BY Id;`);
    expect(applied.map((r) => r.Id)).toEqual(SQLSERVER_MIGRATIONS.map((m) => m.id));
  });

  test("migrate adopts the article's own table (its CREATE TABLE and index, verbatim) without failing, adding only the claim index", async () => {
    const schema = `app_${randomBytes(4).toString('hex')}`;
    const table = quoteTable(schema);
    await fx.query(`EXEC (N'CREATE SCHEMA ${quoteIdent(schema)}');`);
    await fx.query(`CREATE TABLE ${table} (
      Id UNIQUEIDENTIFIER PRIMARY KEY DEFAULT NEWID(),
      TenantId NVARCHAR(50) NOT NULL,
      MessageType NVARCHAR(255) NOT NULL,
      Payload NVARCHAR(MAX) NOT NULL,
      ScheduledTime DATETIMEOFFSET NOT NULL DEFAULT GETUTCDATE(),
      DequeueTime DATETIMEOFFSET NULL,
      ProcessingAttempts INT NOT NULL DEFAULT 0,
      LastAttemptTime DATETIMEOFFSET NULL,
      Status NVARCHAR(50) NOT NULL,
      ErrorMessage NVARCHAR(MAX) NULL,
      CorrelationId UNIQUEIDENTIFIER NULL,
      CreatedAt DATETIMEOFFSET NOT NULL DEFAULT GETUTCDATE()
    );`);
    await fx.query(`CREATE INDEX IX_QueueMessages_TenantScheduleStatus ON ${table} (TenantId, ScheduledTime, Status);`);
    const existing = randomUUID();
    await fx.query(`INSERT INTO ${table} (Id, TenantId, MessageType, Payload, Status) VALUES (@id, N't', N'X', N'{}', N'Pending');`, (r) =>
      r.input('id', mssql.UniqueIdentifier, existing),
    );

    const store = await fx.makeStore('t', { schema });
    await store.migrate();
    const id = await store.enqueue({ tenantId: 't', messageType: 'X', payload: { a: 1 } });
    const claimed = await store.claim({ limit: 10, leaseMs: 60_000 });
    expect(claimed.map((m) => m.id)).toEqual([existing, id]);
    for (const m of claimed) expect(await store.complete(m)).toBe(true);

    const names = await fx.query<{ name: string }>(
      `SELECT name AS [name] FROM sys.indexes WHERE object_id = OBJECT_ID(@table) AND name LIKE N'IX[_]%' ORDER BY name;`,
      (r) => r.input('table', mssql.NVarChar(300), table),
    );
    // The dedupe key's lookup index comes with the DedupeKey column (migration 0005).
    const expected = [CLAIM_INDEX, 'IX_QueueMessages_DedupeKey', 'IX_QueueMessages_TenantScheduleStatus'].sort();
    expect(names.map((n) => indexNameAsCreated(n.name, expected)).sort()).toEqual(expected);
  });

  itUnlessBabelfish(
    'it refuses a doubled ]] inside a bracket-quoted identifier (syntax error at or near "]")',
    'schema names are quoted safely: brackets, quotes, spaces and SQL in the name work end to end',
    async () => {
      expect(quoteTable("a]b'c")).toBe("[a]]b'c].[QueueMessages]");
      expect(quoteTable(undefined)).toBe('[QueueMessages]');
      expect(() => quoteIdent('')).toThrow(TypeError);
      const schema = `Tenant [Q]'; DROP TABLE x; -- ${randomBytes(3).toString('hex')}`;
      const store = await fx.makeStore('t', { schema });
      expect(store.tableName).toBe(`${quoteIdent(schema)}.[QueueMessages]`);
      const id = await store.enqueue({ tenantId: 't', messageType: 'X', payload: 1 });
      const claimed = await claimOne(store);
      expect(claimed.id).toBe(id);
      expect(await store.complete(claimed)).toBe(true);
      const [ns] = await fx.query<{ n: number }>(`SELECT COUNT(*) AS [n] FROM sys.schemas WHERE name = @schema;`, (r) =>
        r.input('schema', mssql.NVarChar(128), schema),
      );
      expect(ns!.n).toBe(1);
    },
  );

  itUnlessBabelfish(
    `${BABELFISH_IGNORES_HINTS}: the lock holder's SELECT WITH (UPDLOCK) takes no lock there`,
    'withClaimTransaction waits out a session that only holds the row lock, and reports a lease lost when the lock holder changed the fence',
    async () => {
      const store = await fx.makeStore('t');
      const id = await store.enqueue({ tenantId: 't', messageType: 'X', payload: {} });
      const claimed = await claimOne(store);
      const other = await otherConnection();
      try {
        // A U lock without a change (what a claimer scanning the row leaves for the rest of its statement).
        const holder = new mssql.Transaction(other);
        await holder.begin();
        await holder
          .request()
          .input('id', mssql.UniqueIdentifier, id)
          .query(`SELECT Id FROM ${store.tableName} WITH (UPDLOCK, ROWLOCK) WHERE Id = @id;`);
        let finished = false;
        const running = store
          .withClaimTransaction(claimed, async (tx) => store.complete(claimed, tx))
          .finally(() => {
            finished = true;
          });
        await sleep(300);
        expect(finished).toBe(false); // waiting for the lock, not failing
        await holder.commit();
        await expect(running).resolves.toBe(true);

        // A reclaim in progress: the lock holder moves the fence, then commits.
        const id2 = await store.enqueue({ tenantId: 't', messageType: 'X', payload: {} });
        const claimed2 = await claimOne(store);
        const reclaimer = new mssql.Transaction(other);
        await reclaimer.begin();
        await reclaimer
          .request()
          .input('id', mssql.UniqueIdentifier, id2)
          .query(
            `UPDATE ${store.tableName} SET DequeueTime = DATEADD(second, 1, DequeueTime), ProcessingAttempts = ProcessingAttempts + 1 WHERE Id = @id;`,
          );
        const lost = store.withClaimTransaction(claimed2, async () => 'ran');
        await sleep(200);
        await reclaimer.commit();
        await expect(lost).rejects.toBeInstanceOf(LeaseLostError);
      } finally {
        await other.close();
      }
    },
  );

  itUnlessBabelfish(
    `${BABELFISH_IGNORES_HINTS}: a claimer waits for a held row instead of skipping it`,
    'a claimer skips, without waiting, the rows of a running claim transaction and still gets the other due rows',
    async () => {
      const store = await fx.makeStore('t');
      const other = await fx.openPeer(store);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push(await store.enqueue({ tenantId: 't', messageType: 'X', payload: { i } }));
      const [held] = await store.claim({ limit: 1, leaseMs: 100 });
      const got = await store.withClaimTransaction(held!, async () => {
        await sleep(300); // the lease of `held` has expired, its transaction still runs
        return other.claim({ limit: 50, leaseMs: 100 });
      });
      expect(got.map((m) => m.id).sort()).toEqual(ids.filter((id) => id !== held!.id).sort());
    },
  );

  test("a running claim transaction's row is not reclaimed after its lease expired: a claim meanwhile skips it (SQL Server) or waits for it (Babelfish)", async () => {
    const store = await fx.makeStore('t');
    const other = await fx.openPeer(store);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await store.enqueue({ tenantId: 't', messageType: 'X', payload: { i } }));
    const [held] = await store.claim({ limit: 1, leaseMs: 100 });
    let meanwhile: Promise<ClaimedMessage[]> | undefined;
    await store.withClaimTransaction(held!, async (tx) => {
      await sleep(300); // the lease of `held` has expired, its transaction still runs
      meanwhile = other.claim({ limit: 50, leaseMs: 100 });
      await sleep(300);
      expect(await store.complete(held!, tx)).toBe(true);
    });
    const got = await meanwhile!;
    expect(got.map((m) => m.id).sort()).toEqual(ids.filter((id) => id !== held!.id).sort());
    expect((await store.getMessage(held!.id))?.status).toBe('Completed');
  });

  test('a transaction whose handler swallowed a database error is rolled back by XACT_ABORT and reported as a failure', async () => {
    const store = await fx.makeStore('t');
    await fx.createEffectsTable(store);
    const id = await store.enqueue({ tenantId: 't', messageType: 'X', payload: {} });
    const claimed = await claimOne(store);
    await expect(
      store.withClaimTransaction(claimed, async (tx) => {
        await fx.insertEffect(store, tx, id);
        await store.complete(claimed, tx);
        await (tx.handle as mssql.Transaction)
          .request()
          .query('SELECT 1/0 AS x;')
          .catch(() => undefined);
      }),
    ).rejects.toThrow(/rolled back by the server/);
    expect(await fx.countEffects(store, id)).toBe(0);
    expect((await store.getMessage(id))?.status).toBe('Processing');
    expect(await store.retry(claimed, { delayMs: 0, error: 'x' })).toBe(true);
  });

  test('purge deletes at most MAX_PURGE_BATCH rows per statement, whatever batch size is asked for', async () => {
    const store = await fx.makeStore('t');
    await fx.query(`INSERT INTO ${store.tableName} (TenantId, MessageType, Payload, Status, ProcessingAttempts, LastAttemptTime, CreatedAt)
      SELECT TOP (${MAX_PURGE_BATCH + 5}) N't', N'X', N'{}', N'Completed', 1, DATEADD(hour, -2, SYSUTCDATETIME()), DATEADD(hour, -2, SYSUTCDATETIME())
      FROM sys.all_objects a CROSS JOIN sys.all_objects b;`);
    expect(await store.purge('Completed', 3_600_000, 50_000)).toBe(MAX_PURGE_BATCH);
    expect(await store.purge('Completed', 3_600_000, 50_000)).toBe(5);
  });

  test('a connection error never carries the password', async () => {
    const secret = `Wrong-${randomBytes(6).toString('hex')}`;
    const cs = fx.database().connectionString;
    const bad = /^mssql:|^sqlserver:/i.test(cs)
      ? (() => {
          const u = new URL(cs);
          u.password = secret;
          return u.toString();
        })()
      : `${cs.replace(/;?\s*(password|pwd)\s*=[^;]*/gi, '')};Password=${secret}`;
    const pools = createSqlServerPoolRegistry();
    const store = createSqlServerStore(fx.makeTenant('t', undefined, withDatabase(bad, fx.database().name)), pools, TEST_POOL_OPTIONS);
    try {
      const err: unknown = await store.ping().then(
        () => new Error('ping unexpectedly succeeded'),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      const e = err as Error & Record<string, unknown>;
      expect(e.message).toMatch(/Login failed/i);
      const everything = [e.message, e.stack, JSON.stringify(e), String(e.cause ?? '')].join('\n');
      expect(everything).not.toContain(secret);
    } finally {
      await store.close();
      await pools.closeAll();
    }
  });

  test('a table this version needs but the database lacks (tqw migrate not run after an upgrade): the claim error says to run tqw migrate', async () => {
    const store = await fx.makeStore('t');
    await fx.query(`DROP TABLE ${quoteTable(schemaOf(store), 'QueuePauses')};`);
    const err = await store.claim({ limit: 1, leaseMs: 60_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(describeError(err)).toMatch(
      /QueuePauses.*\(hint: \S*QueuePauses\]? is missing: .*run it with the admin login \(`tqw migrate --tenants FILE`\)/i,
    );
  });

  test('a login that may only use the queue table (and read QueueMigrations and QueuePauses) can run migrate on an up-to-date schema and work the queue', async () => {
    const store = await fx.makeStore('t');
    const schema = schemaOf(store);
    const login = `tqw_lp_${randomBytes(4).toString('hex')}`;
    const password = `Lp-${randomBytes(8).toString('hex')}-9a!`;
    const pools = createSqlServerPoolRegistry();
    // CREATE LOGIN takes no parameters: the name and password are generated here, never user input.
    await fx.query(`CREATE LOGIN ${quoteIdent(login)} WITH PASSWORD = N'${password}';`);
    try {
      await fx.query(`CREATE USER ${quoteIdent(login)} FOR LOGIN ${quoteIdent(login)};`);
      await fx.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON OBJECT::${store.tableName} TO ${quoteIdent(login)};`);
      await fx.query(`GRANT SELECT ON OBJECT::${quoteTable(schema, 'QueueMigrations')} TO ${quoteIdent(login)};`);
      await fx.query(`GRANT SELECT ON OBJECT::${quoteTable(schema, 'QueuePauses')} TO ${quoteIdent(login)};`);
      const cs = withLogin(fx.database().connectionString, login, password);
      const limited = createSqlServerStore(fx.makeTenant('t', schema, cs), pools, TEST_POOL_OPTIONS);
      await limited.migrate();
      await limited.ping();
      await limited.enqueue({ tenantId: 't', messageType: 'X', payload: {} });
      const m = await claimOne(limited);
      expect(await limited.complete(m)).toBe(true);
      expect(await limited.purge('Completed', 0, 10)).toBe(1);
      expect((await limited.depth()).Pending).toBe(0);

      const elsewhere = createSqlServerStore(fx.makeTenant('t', `nope_${login}`, cs), pools, TEST_POOL_OPTIONS);
      await expect(elsewhere.migrate()).rejects.toThrow(/permission|CREATE SCHEMA/i);
      await limited.close();
      await elsewhere.close();
    } finally {
      await pools.closeAll();
      // Babelfish refuses to drop a user that still holds grants.
      await fx
        .query(`REVOKE SELECT, INSERT, UPDATE, DELETE ON OBJECT::${store.tableName} FROM ${quoteIdent(login)};`)
        .catch(() => undefined);
      await fx.query(`REVOKE SELECT ON OBJECT::${quoteTable(schema, 'QueueMigrations')} FROM ${quoteIdent(login)};`).catch(() => undefined);
      await fx.query(`REVOKE SELECT ON OBJECT::${quoteTable(schema, 'QueuePauses')} FROM ${quoteIdent(login)};`).catch(() => undefined);
      await fx.query(`IF USER_ID(N'${login}') IS NOT NULL DROP USER ${quoteIdent(login)};`);
      await fx.query(`IF SUSER_ID(N'${login}') IS NOT NULL DROP LOGIN ${quoteIdent(login)};`);
    }
  });

  test("bad input is refused with a clear error: another dialect's transaction, an id that is not a UUID, a limit below 1", async () => {
    const store = await fx.makeStore('t');
    await expect(store.enqueue({ tenantId: 't', messageType: 'X', payload: {} }, { dialect: 'postgres', handle: {} })).rejects.toThrow(
      /SQL Server but was given a postgres transaction/,
    );
    await expect(store.enqueue({ id: 'not-a-uuid', tenantId: 't', messageType: 'X', payload: {} })).rejects.toThrow(/UUID/);
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
