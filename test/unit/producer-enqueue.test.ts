/**
 * The exported enqueue() for Node producers, against a real PostgreSQL: the message commits and
 * rolls back with the caller's transaction (outbox), and the row is exactly what the store's own
 * enqueue writes. The SQL Server variant runs when MSSQL_URL is set.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { enqueue } from '../../src/producer/enqueue';
import { StorePools, createStore } from '../../src/store/create-store';
import type { QueueStore } from '../../src/store/types';
import { loadTenants } from '../../src/tenants/load-tenants';
import type { Tenant } from '../../src/tenants/types';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

function tenantsFor(connectionString: string, schema: string): Tenant[] {
  const file = join(mkdtempSync(join(tmpdir(), 'tqw-producer-')), 'tenants.json');
  writeFileSync(file, JSON.stringify([{ id: 'acme', connectionString, schema }]));
  return loadTenants(file, {});
}

describe('enqueue() on PostgreSQL', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let pools: StorePools;
  let store: QueueStore;

  beforeAll(async () => {
    db = await createTestDatabase('tqw_producer');
    pool = new pg.Pool({ connectionString: db.url, max: 3 });
    await pool.query('CREATE SCHEMA acme; CREATE TABLE acme.products (id int PRIMARY KEY, name text)');
    pools = new StorePools({ max: 3, idleTimeoutMs: 1_000, connectTimeoutMs: 5_000 });
    store = createStore(tenantsFor(db.url, 'acme')[0], pools);
    await store.migrate();
  });

  afterAll(async () => {
    await store?.close();
    await pools?.closeAll();
    await pool?.end();
    await db?.drop();
  });

  it('commits with the caller transaction and rolls back with it', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO acme.products VALUES (1, $1)', ['rolled back']);
      const lost = await enqueue(client, { tenantId: 'acme', messageType: 'ProductUpdate', payload: { productId: 1 } }, { schema: 'acme' });
      await client.query('ROLLBACK');

      await client.query('BEGIN');
      await client.query('INSERT INTO acme.products VALUES (2, $1)', ['kept']);
      const kept = await enqueue(client, { tenantId: 'acme', messageType: 'ProductUpdate', payload: { productId: 2 } }, { schema: 'acme' });
      // Not visible outside the transaction before COMMIT.
      expect(await store.getMessage(kept)).toBeNull();
      await client.query('COMMIT');

      expect(await store.getMessage(lost)).toBeNull();
      expect(await store.getMessage(kept)).toMatchObject({ id: kept, status: 'Pending', payload: '{"productId":2}' });
    } finally {
      client.release();
    }
  });

  it('makes time-ordered (UUIDv7) ids when the message has none, in the order they were enqueued', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await enqueue(pool, { tenantId: 'acme', messageType: 'Ordered', payload: { i } }, { schema: 'acme' }));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    for (const id of ids) expect(id[14]).toBe('7');
    // PostgreSQL sorts uuid bytewise: the ids come back in enqueue order.
    const { rows } = await pool.query<{ Id: string }>(
      `SELECT "Id" FROM acme."QueueMessages" WHERE "MessageType" = 'Ordered' ORDER BY "Id"`,
    );
    expect(rows.map((r) => r.Id)).toEqual(ids);
  });

  it('writes the same row as the store would, with delay, correlation id, given id and string payloads', async () => {
    const correlationId = randomUUID();
    const id = randomUUID();
    const message = { id, tenantId: 'acme', messageType: 'Delayed', payload: '{"raw": true}', delayMs: 60_000, correlationId };
    expect(await enqueue(pool, message, { schema: 'acme' })).toBe(id);
    const viaStore = await store.enqueue({ ...message, id: randomUUID() });

    const mine = await store.getMessage(id);
    const theirs = await store.getMessage(viaStore);
    const comparable = (row: typeof mine) => {
      const { id: _id, scheduledTime, createdAt, ...rest } = row!;
      return { ...rest, delayMs: scheduledTime.getTime() - createdAt.getTime() };
    };
    expect(comparable(mine)).toEqual(comparable(theirs));
    expect(comparable(mine)).toMatchObject({
      payload: '{"raw": true}',
      correlationId,
      status: 'Pending',
      processingAttempts: 0,
      delayMs: 60_000,
    });
  });

  it('rejects invalid messages before touching the database', async () => {
    const target = {
      query: async () => {
        throw new Error('must not be called');
      },
    };
    const base = { tenantId: 'acme', messageType: 'T', payload: {} };
    await expect(enqueue(target, { ...base, tenantId: 'x'.repeat(51) })).rejects.toThrow(
      'message.tenantId must be a non-empty string of at most 50',
    );
    await expect(enqueue(target, { ...base, messageType: ' ' })).rejects.toThrow('message.messageType must be a non-empty string');
    await expect(enqueue(target, { ...base, id: 'nope' })).rejects.toThrow("message.id must be a UUID, got 'nope'");
    await expect(enqueue(target, { ...base, correlationId: 'nope' })).rejects.toThrow('message.correlationId must be a UUID or null');
    await expect(enqueue(target, { ...base, delayMs: -1 })).rejects.toThrow('message.delayMs must be a finite number >= 0');
    await expect(enqueue({} as never, base)).rejects.toThrow('enqueue target must be a pg client');
  });
});

const mssqlUrl = process.env.MSSQL_URL;
(mssqlUrl ? describe : describe.skip)('enqueue() on SQL Server (MSSQL_URL)', () => {
  it('commits with the caller mssql.Transaction and rolls back with it', async () => {
    const { default: mssql } = await import('mssql');
    const { sqlServerConfig } = await import('../../src/store/sqlserver/connection-config');
    const schema = `producer_${randomUUID().slice(0, 8)}`;
    const [tenant] = tenantsFor(mssqlUrl!, schema);
    const pools = new StorePools();
    const store = createStore(tenant, pools);
    const pool = new mssql.ConnectionPool(sqlServerConfig(tenant.connectionString));
    await pool.connect();
    try {
      await pool.request().batch(`CREATE SCHEMA [${schema}]`);
      await store.migrate();
      const rolledBack = new mssql.Transaction(pool);
      await rolledBack.begin();
      const lost = await enqueue(rolledBack, { tenantId: 'acme', messageType: 'T', payload: { a: 1 } }, { schema });
      await rolledBack.rollback();
      const committed = new mssql.Transaction(pool);
      await committed.begin();
      const kept = await enqueue(committed, { tenantId: 'acme', messageType: 'T', payload: { a: 2 }, delayMs: 1500 }, { schema });
      await committed.commit();
      expect(await store.getMessage(lost)).toBeNull();
      expect(await store.getMessage(kept)).toMatchObject({ id: kept, status: 'Pending', payload: '{"a":2}' });
    } finally {
      await store.close();
      await pools.closeAll();
      await pool.close();
    }
  });
});
