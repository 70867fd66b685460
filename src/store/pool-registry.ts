/**
 * Shares one connection pool between every tenant of the same database (schema-per-tenant),
 * keyed by the stores' sharing key (`Tenant.poolKey` plus a digest of the connection string, see
 * sharing-key.ts). Pools are created on first use and destroyed when the last tenant
 * using them lets go (reference counting). Idle connections inside a pool are closed by the pool
 * itself (idle timeout, min 0), so quiet tenants hold no connections.
 */

export interface PoolLease<P> {
  readonly pool: P;
  /** Lets go of the pool; the last release destroys it. Idempotent. */
  release(): Promise<void>;
  /** How many stores hold this pool right now (1 = this one alone). */
  sharedBy(): number;
}

export class PoolRegistry<P> {
  private readonly entries = new Map<string, { pool: P; refs: number }>();

  constructor(private readonly destroy: (pool: P) => Promise<void>) {}

  /** Returns the pool for `key`, creating it with `create` (given the secret connection details) if none is open. */
  acquire(key: string, create: () => P): PoolLease<P> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { pool: create(), refs: 0 };
      this.entries.set(key, entry);
    }
    entry.refs += 1;
    const held = entry;
    let released = false;
    return {
      pool: held.pool,
      sharedBy: () => held.refs,
      release: async () => {
        if (released) return;
        released = true;
        held.refs -= 1;
        if (held.refs === 0 && this.entries.get(key) === held) {
          this.entries.delete(key);
          await this.destroy(held.pool);
        }
      },
    };
  }

  /** Number of distinct pools currently open (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  async closeAll(): Promise<void> {
    const pools = [...this.entries.values()].map((e) => e.pool);
    this.entries.clear();
    await Promise.allSettled(pools.map((p) => this.destroy(p)));
  }
}
