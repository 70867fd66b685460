import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sql from 'mssql';
import { Client } from 'pg';
import pino, { type Logger } from 'pino';
import { isPermanentError } from '../../src/retry/retry-policy';
import { loadHandlers } from '../../src/handlers/load-handlers';
import type { HandlerContext, LoadedHandler, Message } from '../../src/handlers/types';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { sqlServerConfig } from '../../src/store/sqlserver/connection-config';

/** The shipped example handlers, loaded as users load them and run against a real database. */
const root = resolve(__dirname, '../..');
const examplesDir = join(root, 'examples', 'handlers');

function captureLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

function message(type: string, payload: unknown, attempt = 1): Message {
  const now = new Date();
  return { id: randomUUID(), tenantId: 'acme', type, payload, attempt, correlationId: null, scheduledTime: now, createdAt: now };
}

function context(db: unknown, log: Logger, signal: AbortSignal = new AbortController().signal): HandlerContext {
  return { tenantId: 'acme', db, log, signal };
}

async function rejection(promise: Promise<unknown> | unknown): Promise<unknown> {
  return Promise.resolve(promise).then(
    () => {
      throw new Error('expected the handler to fail');
    },
    (err: unknown) => err,
  );
}

let productUpdate: LoadedHandler;
let sendEmail: LoadedHandler;

beforeAll(async () => {
  const registry = await loadHandlers(examplesDir);
  expect(registry.types()).toEqual(['ProductUpdate', 'SendEmail']);
  productUpdate = registry.get('ProductUpdate')!;
  sendEmail = registry.get('SendEmail')!;
});

describe('examples/handlers/product-update.js on PostgreSQL', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase('handlers_examples');
    client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query(readFileSync(join(root, 'examples', 'sql', 'products.postgres.sql'), 'utf8'));
    // The script is idempotent: running it again must not fail.
    await client.query(readFileSync(join(root, 'examples', 'sql', 'products.postgres.sql'), 'utf8'));
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  async function runInTransaction(payload: unknown, log: Logger): Promise<void> {
    await client.query('BEGIN');
    try {
      await productUpdate.handler.handle(message('ProductUpdate', payload), context(client, log));
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
  }

  async function productRows(id: string): Promise<{ Name: string }[]> {
    return (await client.query<{ Name: string }>('SELECT "Name" FROM "Products" WHERE "Id" = $1', [id])).rows;
  }

  it('is transactional and inserts a product that does not exist yet', async () => {
    expect(productUpdate.handler.transactional).toBe(true);
    const productId = randomUUID();
    const { log, lines } = captureLogger();

    await runInTransaction({ productId, newName: 'Blue Widget' }, log);

    expect(await productRows(productId)).toEqual([{ Name: 'Blue Widget' }]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'product renamed', productId, newName: 'Blue Widget' }));
  });

  it('renames an existing product (one row, new name), and running it twice changes nothing more', async () => {
    const productId = randomUUID();
    const { log } = captureLogger();
    await runInTransaction({ productId, newName: 'Old Name' }, log);
    await runInTransaction({ productId, newName: 'New Name' }, log);
    await runInTransaction({ productId, newName: 'New Name' }, log);
    expect(await productRows(productId)).toEqual([{ Name: 'New Name' }]);
  });

  it('writes through ctx.db only: a rollback leaves no product', async () => {
    const productId = randomUUID();
    await client.query('BEGIN');
    await productUpdate.handler.handle(message('ProductUpdate', { productId, newName: 'Never' }), context(client, captureLogger().log));
    await client.query('ROLLBACK');
    expect(await productRows(productId)).toEqual([]);
  });

  it.each([
    ['no productId', { newName: 'x' }],
    ['a productId that is not a GUID', { productId: '42', newName: 'x' }],
    ['no newName', { productId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' }],
    ['a null payload', null],
  ])('fails permanently (dead-letter at once) on %s, before touching the database', async (_what, payload) => {
    const err = await rejection(productUpdate.handler.handle(message('ProductUpdate', payload), context(undefined, captureLogger().log)));
    expect(isPermanentError(err)).toBe(true);
    expect((err as Error).message).toMatch(/ProductUpdate payload needs/);
  });

  it('fails (retryably) when run without a transaction', async () => {
    const err = await rejection(
      productUpdate.handler.handle(
        message('ProductUpdate', { productId: randomUUID(), newName: 'x' }),
        context(undefined, captureLogger().log),
      ),
    );
    expect(isPermanentError(err)).toBe(false);
    expect((err as Error).message).toContain('transactional: true');
  });
});

const describeMssql = process.env.MSSQL_URL ? describe : describe.skip;

describeMssql('examples/handlers/product-update.js on SQL Server (MSSQL_URL)', () => {
  let pool: sql.ConnectionPool;

  beforeAll(async () => {
    // MSSQL_URL may be an mssql:// URL, which mssql cannot parse itself: use the store's parser.
    pool = await new sql.ConnectionPool(sqlServerConfig(process.env.MSSQL_URL!, 'MSSQL_URL')).connect();
    await pool.request().batch(readFileSync(join(root, 'examples', 'sql', 'products.sqlserver.sql'), 'utf8'));
    await pool.request().batch(readFileSync(join(root, 'examples', 'sql', 'products.sqlserver.sql'), 'utf8'));
  });

  afterAll(async () => {
    await pool?.close();
  });

  it('upserts through an mssql Transaction', async () => {
    const productId = randomUUID();
    for (const newName of ['Old Name', 'New Name']) {
      const tx = new sql.Transaction(pool);
      await tx.begin();
      await productUpdate.handler.handle(message('ProductUpdate', { productId, newName }), context(tx, captureLogger().log));
      await tx.commit();
    }
    const rows = await pool.request().input('id', productId).query<{ Name: string }>('SELECT Name FROM Products WHERE Id = @id');
    expect(rows.recordset).toEqual([{ Name: 'New Name' }]);
    await pool.request().input('id', productId).query('DELETE FROM Products WHERE Id = @id');
  });
});

describe('examples/handlers/send-email.js', () => {
  const previousRate = process.env.EXAMPLE_EMAIL_FAILURE_RATE;
  afterEach(() => {
    if (previousRate === undefined) delete process.env.EXAMPLE_EMAIL_FAILURE_RATE;
    else process.env.EXAMPLE_EMAIL_FAILURE_RATE = previousRate;
  });

  const payload = { to: 'ada@example.com', subject: 'Welcome', body: 'Hello!' };

  it('is not transactional and has its own 10 s timeout', () => {
    expect(sendEmail.handler.transactional).toBe(false);
    expect(sendEmail.handler.timeoutMs).toBe(10_000);
  });

  it('sends (logs) when the simulated API succeeds', async () => {
    process.env.EXAMPLE_EMAIL_FAILURE_RATE = '0';
    const { log, lines } = captureLogger();
    await sendEmail.handler.handle(message('SendEmail', payload), context(undefined, log));
    expect(lines.map((l) => l.msg)).toEqual(['sending email', 'email sent']);
  });

  it('fails with an ordinary, retryable error when the simulated API fails', async () => {
    process.env.EXAMPLE_EMAIL_FAILURE_RATE = '1';
    const err = await rejection(sendEmail.handler.handle(message('SendEmail', payload), context(undefined, captureLogger().log)));
    expect((err as Error).message).toContain('simulated email API failure');
    expect(isPermanentError(err)).toBe(false);
  });

  it('stops waiting as soon as ctx.signal fires', async () => {
    process.env.EXAMPLE_EMAIL_FAILURE_RATE = '0';
    const controller = new AbortController();
    const { log, lines } = captureLogger();
    const running = sendEmail.handler.handle(message('SendEmail', payload), context(undefined, log, controller.signal));
    controller.abort(new Error('handler timed out'));
    const err = await rejection(running);
    expect((err as Error).name).toBe('AbortError');
    expect(lines.map((l) => l.msg)).toEqual(['sending email']);
  });

  it('fails permanently without a recipient', async () => {
    const err = await rejection(sendEmail.handler.handle(message('SendEmail', { subject: 'x' }), context(undefined, captureLogger().log)));
    expect(isPermanentError(err)).toBe(true);
  });
});
