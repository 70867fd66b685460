/**
 * The SQL Server store's building blocks that need no server: quoting, parameter helpers, the row
 * mapper, and the store's behaviour when the server is unreachable (a real mssql pool against a
 * closed local port: nothing is faked, the connection is really refused).
 */
import { createServer } from 'node:net';
import { ConfigError } from '../../../src/errors';
import { connectOnce, createMssqlPool, createSqlServerPoolRegistry } from '../../../src/store/sqlserver/create-pool';
import { sqlServerConfig } from '../../../src/store/sqlserver/connection-config';
import { assertUuid, fencesJson, splitDelay } from '../../../src/store/sqlserver/params';
import { quoteIdent, quoteLiteral, quoteTable } from '../../../src/store/sqlserver/quote-table';
import { column, expiredIdOf, rowCountOf, toClaimedMessage, toQueueMessageRow } from '../../../src/store/sqlserver/row-mapper';
import { createSqlServerStore } from '../../../src/store/sqlserver/sqlserver-store';
import { DEFAULT_POOL_OPTIONS } from '../../../src/store/types';
import { sqlServerTenant } from '../../support/mssql';

describe('quoting', () => {
  test('identifiers are bracketed with ] doubled; empty, over-long and NUL names are refused', () => {
    expect(quoteIdent('dbo')).toBe('[dbo]');
    expect(quoteIdent('a]b[c')).toBe('[a]]b[c]');
    expect(quoteTable(undefined)).toBe('[QueueMessages]');
    expect(quoteTable('tenant 1')).toBe('[tenant 1].[QueueMessages]');
    expect(quoteTable('s', 'QueueMigrations')).toBe('[s].[QueueMigrations]');
    expect(() => quoteIdent('')).toThrow(TypeError);
    expect(() => quoteIdent('x'.repeat(129))).toThrow(/at most 128/);
    expect(() => quoteIdent('a\u0000b')).toThrow(/NUL/);
  });

  test("string literals are N'...' with quotes doubled", () => {
    expect(quoteLiteral("[it's].[QueueMessages]")).toBe("N'[it''s].[QueueMessages]'");
  });
});

describe('parameters', () => {
  test('delays are split into whole seconds and milliseconds so DATEADD never overflows INT', () => {
    expect(splitDelay(0, 'd')).toEqual({ seconds: 0, millis: 0 });
    expect(splitDelay(1_234, 'd')).toEqual({ seconds: 1, millis: 234 });
    expect(splitDelay(-5, 'd')).toEqual({ seconds: 0, millis: 0 });
    expect(splitDelay(40 * 86_400_000 + 7.6, 'd')).toEqual({ seconds: 40 * 86_400, millis: 8 });
    expect(() => splitDelay(Number.NaN, 'retry delayMs')).toThrow(/retry delayMs must be a finite number/);
    expect(() => splitDelay(3e12, 'd')).toThrow(/too long/);
  });

  test('fences become OPENJSON input with ISO 8601 offsets; ids must be UUIDs', () => {
    const json = fencesJson([
      { id: '0f8fad5b-d9cb-469f-a165-70867728950e', dequeueTime: new Date('2026-11-24T10:11:12.345Z'), processingAttempts: 3 },
    ]);
    expect(JSON.parse(json)).toEqual([
      { id: '0f8fad5b-d9cb-469f-a165-70867728950e', dequeueTime: '2026-11-24T10:11:12.345+00:00', attempts: 3 },
    ]);
    expect(() => fencesJson([{ id: 'x', dequeueTime: new Date(), processingAttempts: 1 }])).toThrow(/fence id must be a UUID/);
    expect(() => assertUuid("1'; DROP TABLE x; --", 'message id')).toThrow(TypeError);
    expect(() => assertUuid('0F8FAD5B-D9CB-469F-A165-70867728950E', 'message id')).not.toThrow();
  });
});

describe('row mapper', () => {
  const row = {
    Id: '0F8FAD5B-D9CB-469F-A165-70867728950E',
    TenantId: 'acme',
    MessageType: 'ProductUpdate',
    Payload: '{"a":1}',
    ScheduledTime: new Date('2026-01-01T00:00:00Z'),
    DequeueTime: new Date('2026-01-01T00:00:01.123Z'),
    ProcessingAttempts: 2,
    LastAttemptTime: new Date('2026-01-01T00:00:01.123Z'),
    Status: 'Processing',
    ErrorMessage: null,
    CorrelationId: 'A1B2C3D4-0000-4000-8000-000000000001',
    CreatedAt: new Date('2025-12-31T23:59:59Z'),
  };

  test("maps PascalCase columns to the neutral row, with lower-case UUIDs like PostgreSQL's", () => {
    expect(toClaimedMessage(row, null)).toEqual({
      id: '0f8fad5b-d9cb-469f-a165-70867728950e',
      tenantId: 'acme',
      messageType: 'ProductUpdate',
      payload: '{"a":1}',
      scheduledTime: row.ScheduledTime,
      dequeueTime: row.DequeueTime,
      processingAttempts: 2,
      lastAttemptTime: row.LastAttemptTime,
      status: 'Processing',
      errorMessage: null,
      correlationId: 'a1b2c3d4-0000-4000-8000-000000000001',
      createdAt: row.CreatedAt,
      reclaimed: false,
      priority: 0, // no Priority column in the row (a producer of the article's columns only): 0
      snoozeCount: 0, // no SnoozeCount column either (a table not yet migrated): 0
    });
    // The claim's second result names the one row it took over from an expired lease (any case).
    const expiredId = expiredIdOf([{ TqwExpiredId: row.Id }]);
    expect(expiredId).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(toClaimedMessage(row, expiredId).reclaimed).toBe(true);
    expect(toClaimedMessage(row, '00000000-0000-4000-8000-000000000000').reclaimed).toBe(false);
    expect(expiredIdOf([{ tqwexpiredid: null }])).toBeNull();
    expect(() => expiredIdOf([])).toThrow(/store bug/);
  });

  test('reads column names case-insensitively (Babelfish lower-cases unaliased OUTPUT columns)', () => {
    const lower = Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v]));
    expect(toQueueMessageRow(lower)).toEqual(toQueueMessageRow(row));
    expect(column({ rowcount: 1 }, 'RowCount')).toBe(1);
    expect(rowCountOf([{ RowCount: 0 }])).toBe(0);
    expect(() => rowCountOf([])).toThrow(/no row count/);
  });

  test('a row of the wrong shape is reported, not mapped to nonsense', () => {
    expect(() => toQueueMessageRow({ ...row, ScheduledTime: '2026-01-01' })).toThrow(/ScheduledTime is string, expected DATETIMEOFFSET/);
    expect(() => toClaimedMessage({ ...row, Status: 'Pending' }, null)).toThrow(/store bug/);
  });
});

/** A local port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('an unreachable server', () => {
  const SECRET = 'Unreachable-Pa55word';
  const OPTIONS = { ...DEFAULT_POOL_OPTIONS, connectTimeoutMs: 2_000 };

  test('the store is created without connecting; a malformed connection string is a ConfigError at creation', () => {
    const pools = createSqlServerPoolRegistry();
    const store = createSqlServerStore(sqlServerTenant('acme', `Server=127.0.0.1,1;User Id=u;Password=${SECRET}`, 's1'), pools);
    expect(store.tableName).toBe('[s1].[QueueMessages]');
    expect(store.dialect).toBe('sqlserver');
    expect(pools.size).toBe(0);

    let thrown: unknown;
    try {
      createSqlServerStore(sqlServerTenant('acme', `Server=h;User Id=u;Password=${SECRET};Encrypt=maybe`, undefined), pools);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(/^tenant 'acme' \(Server=h;User Id=u;Password=\*\*\*;Encrypt=maybe\): 'Encrypt' must be/);
    expect((thrown as Error).message).not.toContain(SECRET);
  });

  test('a refused connection rejects the call, does not crash the process, is retried by the next call, and never shows the password', async () => {
    const port = await closedPort();
    const pools = createSqlServerPoolRegistry();
    const store = createSqlServerStore(
      sqlServerTenant('acme', `Server=127.0.0.1,${port};Database=q;User Id=u;Password=${SECRET};Encrypt=false`, undefined),
      pools,
      OPTIONS,
    );
    try {
      const first = await store.ping().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(first).toBeInstanceOf(Error);
      expect((first as Error).message).toMatch(/ECONNREFUSED|Failed to connect/);
      expect(pools.size).toBe(1);
      const second = await store.claim({ limit: 1, leaseMs: 1_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(second).toBeInstanceOf(Error);
      expect(second).not.toBe(first); // a new attempt, not the remembered failure
      for (const err of [first, second] as Error[]) {
        expect([err.message, err.stack, JSON.stringify(err)].join('\n')).not.toContain(SECRET);
      }
    } finally {
      await store.close();
      expect(pools.size).toBe(0);
    }
  });

  test('bad input is refused before any connection is made', async () => {
    const pools = createSqlServerPoolRegistry();
    const store = createSqlServerStore(sqlServerTenant('acme', 'Server=127.0.0.1,1;User Id=u;Password=p', undefined), pools, OPTIONS);
    const message = { tenantId: 'acme', messageType: 'X', payload: {} };
    await expect(store.enqueue(message, { dialect: 'postgres', handle: {} })).rejects.toThrow(
      /SQL Server but was given a postgres transaction/,
    );
    await expect(store.enqueue({ ...message, id: "1'; DROP TABLE x; --" })).rejects.toThrow(/message id must be a UUID/);
    await expect(store.enqueue({ ...message, correlationId: 'abc' })).rejects.toThrow(/correlationId must be a UUID/);
    await expect(store.enqueue({ ...message, tenantId: 't'.repeat(51) })).rejects.toThrow(
      /tenantId is 51 characters; the column holds at most 50/,
    );
    await expect(store.enqueue({ ...message, messageType: 'm'.repeat(256) })).rejects.toThrow(/messageType is 256 characters/);
    await expect(store.enqueue({ ...message, payload: undefined })).rejects.toThrow(/cannot be serialised/);
    await expect(store.enqueue({ ...message, delayMs: Number.NaN })).rejects.toThrow(/enqueue delayMs must be a finite number/);
    await expect(store.claim({ limit: 0, leaseMs: 1 })).rejects.toThrow(RangeError);
    await expect(store.claim({ limit: 1, leaseMs: 1.5 })).rejects.toThrow(/claim leaseMs must be an integer/);
    await expect(store.purge('Completed', 0, 0)).rejects.toThrow(RangeError);
    await expect(store.getMessage('nope')).rejects.toThrow(/message id must be a UUID/);
    await expect(store.requeueDeadLetters(['nope'])).rejects.toThrow(/dead letter id must be a UUID/);
    expect(await store.requeueDeadLetters([])).toBe(0);
    expect(await store.completeMany([])).toEqual([]);
    expect(pools.size).toBe(0);
    await store.close();
  });

  test('connectOnce shares one connect between concurrent callers and forgets a failure', async () => {
    const port = await closedPort();
    const pool = createMssqlPool(sqlServerConfig(`mssql://u:p@127.0.0.1:${port}/q?encrypt=false`), OPTIONS);
    let created = 0;
    const connect = connectOnce(() => {
      created += 1;
      return pool;
    });
    try {
      const a = connect();
      const b = connect();
      expect(a).toBe(b);
      await expect(a).rejects.toThrow();
      const c = connect();
      expect(c).not.toBe(a);
      await expect(c).rejects.toThrow();
      expect(created).toBe(3);
    } finally {
      await pool.close();
    }
  });
});
