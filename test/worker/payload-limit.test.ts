/**
 * worker.maxPayloadBytes, both sides: enqueue() refuses a payload over the limit before anything is
 * sent, and the worker dead-letters one that another producer wrote, with the reason, without
 * handing it to the handler. Real Worker, real PostgreSQL store.
 */
import { PayloadTooLargeError } from '../../src/errors';
import type { Handler } from '../../src/handlers/types';
import { enqueue } from '../../src/producer/enqueue';
import type { StorePools } from '../../src/store/create-store';
import { DEFAULT_WORKER_OPTIONS } from '../../src/worker/options';
import { payloadTooLarge } from '../../src/worker/payload-limit';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { adminStore, pgTenant, startTestWorker, waitFor, type TestWorker } from '../support/worker-fixtures';

let db: TestDatabase;
const running: TestWorker[] = [];
const pools: StorePools[] = [];

beforeAll(async () => {
  db = await createTestDatabase('payload_limit');
});
afterAll(async () => {
  await Promise.all(running.map((w) => w.stop()));
  await Promise.all(pools.map((p) => p.closeAll()));
  await db.drop();
});

test('the default limit is 1 MiB, measured in UTF-8 bytes (multi-byte characters count as what they weigh)', () => {
  expect(DEFAULT_WORKER_OPTIONS.maxPayloadBytes).toBe(1_048_576);
  expect(payloadTooLarge('x'.repeat(10), 10, 'T')).toBeUndefined();
  expect(payloadTooLarge('x'.repeat(11), 10, 'T')).toEqual(
    expect.objectContaining({ code: 'TQW_PAYLOAD_TOO_LARGE', bytes: 11, limit: 10 }),
  );
  // 'é' is 2 bytes, '€' is 3: 5 characters, 11 bytes.
  expect(payloadTooLarge('éé€€x', 10, 'T')?.bytes).toBe(11);
  expect(payloadTooLarge('éé€€', 10, 'T')).toBeUndefined();
});

test('enqueue() refuses a payload over maxPayloadBytes (default and option) without touching the database', async () => {
  const target = {
    query: async () => {
      throw new Error('must not be called');
    },
  };
  const big = { tenantId: 'acme', messageType: 'Big', payload: { blob: 'x'.repeat(DEFAULT_WORKER_OPTIONS.maxPayloadBytes) } };
  await expect(enqueue(target, big)).rejects.toThrow(PayloadTooLargeError);
  await expect(enqueue(target, big)).rejects.toThrow(
    `payload of message type 'Big' is ${DEFAULT_WORKER_OPTIONS.maxPayloadBytes + 11} bytes, over the limit of ${DEFAULT_WORKER_OPTIONS.maxPayloadBytes} (worker.maxPayloadBytes)`,
  );
  await expect(enqueue(target, { tenantId: 'acme', messageType: 'Small', payload: { a: 'xxxx' } }, { maxPayloadBytes: 8 })).rejects.toThrow(
    "payload of message type 'Small' is 12 bytes, over the limit of 8",
  );
});

test('the worker dead-letters a payload over worker.maxPayloadBytes at once, with the reason, and never runs the handler', async () => {
  const tenant = pgTenant('limits', db.url, 'limits');
  const { store, pools: p } = adminStore(tenant);
  pools.push(p);
  await store.migrate();
  const handled: unknown[] = [];
  const handler: Handler = { type: 'Doc', handle: (m) => void handled.push(m.payload) };
  // Another producer (the store's own insert has no limit: it is what SQL producers do) wrote both.
  const fits = await store.enqueue({ tenantId: 'limits', messageType: 'Doc', payload: { text: 'x'.repeat(100) } });
  const tooBig = await store.enqueue({ tenantId: 'limits', messageType: 'Doc', payload: { text: 'x'.repeat(300) } });
  running.push(startTestWorker([tenant], [handler], { maxPayloadBytes: 200 }));
  const row = await waitFor(
    async () => {
      const r = await store.getMessage(tooBig);
      return r?.status === 'DeadLetter' ? r : undefined;
    },
    { what: 'the oversized message dead-lettered' },
  );
  expect(row.processingAttempts).toBe(1);
  expect(row.errorMessage).toBe(
    "permanent failure on attempt 1: PayloadTooLargeError: payload of message type 'Doc' is 311 bytes, over the limit of 200 (worker.maxPayloadBytes): " +
      'store large data in a table or blob store and send its key, or raise worker.maxPayloadBytes on the producers and workers',
  );
  await waitFor(async () => (await store.getMessage(fits))?.status === 'Completed', { what: 'the message that fits completed' });
  expect(handled).toEqual([{ text: 'x'.repeat(100) }]);
});
