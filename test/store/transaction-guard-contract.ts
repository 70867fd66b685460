/**
 * Part of the QueueStore contract (registered by store-contract.ts for every store): the handle a
 * transaction lends a handler (`tx.handle`, ctx.db) works only while the transaction's function
 * runs. Afterwards every query through it is refused with TransactionClosedError, whether the
 * function resolved (committed) or threw (rolled back), so nothing sent through it later can commit;
 * a function that returns while a query it started still runs fails with QueryInFlightError and
 * nothing of it is saved. Both opening paths: withClaimTransaction and withCompletingTransaction.
 */
import { QueryInFlightError } from '../../src/errors';
import type { ClaimFence, QueueStore, StoreTransaction } from '../../src/store/types';
import type { StoreContractFixture } from './store-contract';

type Run = <T>(fence: ClaimFence, fn: (tx: StoreTransaction) => Promise<T>) => Promise<T>;

/** The two ways a store opens a handler's transaction; `completes`: its opening statement already completed the claim. */
const RUNNERS: Array<[string, (store: QueueStore) => Run, boolean]> = [
  ['withClaimTransaction', (store) => (fence, fn) => store.withClaimTransaction(fence, fn), false],
  [
    'withCompletingTransaction',
    (store) => {
      const run = store.withCompletingTransaction;
      if (!run) throw new Error('the store has no withCompletingTransaction');
      return <T>(fence: ClaimFence, fn: (tx: StoreTransaction) => Promise<T>) => run.call(store, fence, fn) as Promise<T>;
    },
    true,
  ],
];

export function describeTransactionGuardContract(fx: StoreContractFixture, tenant: string): void {
  describe("the handle lent to a transaction's function (ctx.db) ends with it", () => {
    async function claimedMessage(store: QueueStore) {
      await fx.createEffectsTable(store);
      const id = await store.enqueue({ tenantId: store.tenantId, messageType: 'Test', payload: {} });
      const [claimed] = await store.claim({ limit: 1, leaseMs: 60_000 });
      if (!claimed) throw new Error('nothing claimed');
      return { id, claimed };
    }

    describe.each(RUNNERS)('%s', (_name, runner, completes) => {
      test('after the function resolved: a write through the handle is refused and never saved', async () => {
        const store = await fx.makeStore(tenant);
        const { id, claimed } = await claimedMessage(store);
        let lent: StoreTransaction | undefined;
        await runner(store)(claimed, async (tx) => {
          lent = tx;
          if (!completes) await store.complete(claimed, tx);
        });
        await expect(fx.insertEffect(store, lent!, id)).rejects.toMatchObject({ code: 'TQW_TRANSACTION_CLOSED' });
        expect(await fx.countEffects(store, id)).toBe(0);
        expect((await store.getMessage(id))?.status).toBe('Completed');
      });

      test('after the function threw: a write through the handle is refused, nothing saved, the row keeps its fence', async () => {
        const store = await fx.makeStore(tenant);
        const { id, claimed } = await claimedMessage(store);
        let lent: StoreTransaction | undefined;
        const boom = new Error('handler failed');
        await expect(
          runner(store)(claimed, async (tx) => {
            lent = tx;
            throw boom;
          }),
        ).rejects.toBe(boom);
        await expect(fx.insertEffect(store, lent!, id)).rejects.toMatchObject({ code: 'TQW_TRANSACTION_CLOSED' });
        expect(await fx.countEffects(store, id)).toBe(0);
        expect(await store.retry(claimed, { delayMs: 0, error: 'failed' })).toBe(true);
      });

      test('a function that returns while its query still runs fails (QueryInFlightError): nothing saved, the row keeps its fence', async () => {
        const store = await fx.makeStore(tenant);
        const { id, claimed } = await claimedMessage(store);
        let pending: Promise<unknown> | undefined;
        await expect(
          runner(store)(claimed, async (tx) => {
            pending = fx.insertEffect(store, tx, id);
            pending.catch(() => undefined);
          }),
        ).rejects.toBeInstanceOf(QueryInFlightError);
        await pending?.catch(() => undefined);
        expect(await fx.countEffects(store, id)).toBe(0);
        const row = await store.getMessage(id);
        expect(row?.status).toBe('Processing');
        expect(await store.retry(claimed, { delayMs: 0, error: 'failed' })).toBe(true);
      });
    });
  });
}
