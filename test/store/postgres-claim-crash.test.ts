/**
 * db.asyncClaims (the default) against a real crash of the PostgreSQL server (a backend killed with
 * SIGKILL: every session ends and write-ahead log not yet written is thrown away). A claim commits
 * without its own flush, so a crash right after it can undo it: the message must then be Pending
 * again with its attempt not counted, as if the claim never happened, and be claimed and completed
 * normally afterwards. With asyncClaims false the same crash leaves the claim in place (the control).
 *
 * The server runs with wal_writer_delay = 10 s so that nothing but our own commits flushes the log
 * in the moment between the claim and the crash; even so the WAL writer can flush in that moment
 * (a claim that completes a page of log wakes it), so the undone case is tried a few times.
 */
import { StorePools } from '../../src/store/create-store';
import { createStore } from '../../src/store/create-store';
import type { QueueStore, StoreOptions } from '../../src/store/types';
import { ControllablePgServer } from '../support/pg-server';
import { pgTenant } from '../support/worker-fixtures';

let server: ControllablePgServer;
let url: string;
const opened: StorePools[] = [];

beforeAll(async () => {
  server = await ControllablePgServer.start(`crash-pw-${Math.random().toString(36).slice(2, 10)}`, { wal_writer_delay: '10000' });
  url = await server.createDatabase('claim_crash');
}, 120_000);

afterAll(async () => {
  await Promise.all(opened.map((p) => p.closeAll().catch(() => undefined)));
  await server?.stop();
});

function storeFor(schema: string, options: Partial<StoreOptions>): QueueStore {
  const pools = new StorePools(undefined, undefined, options);
  opened.push(pools);
  return createStore(pgTenant('t', url, schema), pools);
}

/** Enqueues one message, claims it, crashes the server; returns the message as it is afterwards. */
async function claimThenCrash(schema: string, options: Partial<StoreOptions>) {
  const store = storeFor(schema, options);
  await store.migrate();
  const id = await store.enqueue({ tenantId: 't', messageType: 'X', payload: '{}' });
  const [claimed] = await store.claim({ limit: 1, leaseMs: 60_000 });
  expect(claimed).toMatchObject({ id, processingAttempts: 1 });
  await server.crash();
  const after = storeFor(schema, options);
  return { id, claimed: claimed!, after, row: await after.getMessage(id) };
}

test('asyncClaims: a claim the crash undid leaves the message Pending with the attempt not counted; it is then claimed and completed as attempt 1', async () => {
  let undone = false;
  for (let attempt = 0; attempt < 5 && !undone; attempt++) {
    const { id, claimed, after, row } = await claimThenCrash(`async_${attempt}`, {});
    if (row?.status === 'Processing') {
      // The claim reached the disk before the crash after all (the WAL writer flushed it): intact.
      expect(row).toMatchObject({ processingAttempts: 1, dequeueTime: claimed.dequeueTime });
      continue;
    }
    undone = true;
    expect(row).toMatchObject({ id, status: 'Pending', processingAttempts: 0, dequeueTime: null, lastAttemptTime: null });
    // The old claim's fence matches nothing: a worker still holding it cannot complete the message.
    expect(await after.complete(claimed)).toBe(false);
    const [again] = await after.claim({ limit: 1, leaseMs: 60_000 });
    expect(again).toMatchObject({ id, processingAttempts: 1 });
    expect(await after.complete(again!)).toBe(true);
    expect(await after.getMessage(id)).toMatchObject({ status: 'Completed', processingAttempts: 1 });
  }
  expect(undone).toBe(true);
}, 120_000);

test('asyncClaims false: the claim survives the same crash (it waited for its own flush)', async () => {
  const { claimed, after, row } = await claimThenCrash('durable', { asyncClaims: false });
  expect(row).toMatchObject({ status: 'Processing', processingAttempts: 1, dequeueTime: claimed.dequeueTime });
  expect(await after.complete(claimed)).toBe(true);
}, 120_000);
