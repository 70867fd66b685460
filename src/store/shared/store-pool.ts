import type { PoolLease, PoolRegistry } from '../pool-registry';

/**
 * The pool plumbing every store has: the pool shared by the tenants of one database (sharing key),
 * acquired from the registry on first use, let go by close(); after close() every use throws.
 */
export interface StorePool<P> {
  /** The pool, acquired on first use. Throws once the store is closed. */
  pool(): P;
  /** How many stores hold the pool (1 before the first use). */
  sharedBy(): number;
  /** Throws the "store is closed" error when close() was called. */
  assertOpen(): void;
  /** Lets go of the pool (the last store to let go closes it); idempotent. */
  close(): Promise<void>;
}

/** `describe` names the store in the closed error: "tenant 'a' ([schema].[QueueMessages])". */
export function storePool<P>(pools: PoolRegistry<P>, key: string, create: () => P, describe: string): StorePool<P> {
  let lease: PoolLease<P> | undefined;
  let closed = false;
  const assertOpen = (): void => {
    if (closed) throw new Error(`the queue store of ${describe} is closed; open a new one`);
  };
  return {
    pool() {
      assertOpen();
      lease ??= pools.acquire(key, create);
      return lease.pool;
    },
    sharedBy: () => lease?.sharedBy() ?? 1,
    assertOpen,
    async close() {
      closed = true;
      const held = lease;
      lease = undefined;
      await held?.release();
    },
  };
}
