import type { QueueStore, StatusCounts } from '../store/types';

type Depth = Omit<StatusCounts, 'Completed'>;

interface GroupResult {
  at: number;
  depths: Promise<Map<string, Depth>>;
}

/**
 * Serves the queue depth cache from ONE statement per group of tenants (StoreGroup.depth: the
 * schemas of a database, or the databases of a SQL Server server) instead of one depth() per
 * tenant: the first tenant of a group asked for in a refresh runs the group's statement for every
 * current member, and the others of that refresh are answered from its result. A result is used
 * for `maxAgeMs` (half the refresh interval, so each refresh runs each group once). A tenant
 * missing from the result, or whose group statement failed, is asked on its own (store.depth()).
 */
export class GroupedDepth {
  private readonly results = new Map<string, GroupResult>();

  constructor(
    private readonly stores: () => Iterable<{ tenantId: string; store: QueueStore }>,
    private readonly maxAgeMs: number,
  ) {}

  /** The entries to give QueueDepthCache: each store's depth() answered through its group. */
  entries(): Array<{ tenantId: string; store: Pick<QueueStore, 'depth' | 'waitingByType'> }> {
    return [...this.stores()].map(({ tenantId, store }) => ({
      tenantId,
      store: { depth: () => this.depthOf(store), waitingByType: () => store.waitingByType() },
    }));
  }

  private async depthOf(store: QueueStore): Promise<Depth> {
    const group = store.group;
    const now = Date.now();
    let result = this.results.get(group.key);
    if (!result || now - result.at > this.maxAgeMs) {
      result = { at: now, depths: this.queryGroup(group.key) };
      this.results.set(group.key, result);
      this.forgetStale(now);
    }
    let depths: Map<string, Depth>;
    try {
      depths = await result.depths;
    } catch {
      return store.depth();
    }
    return depths.get(group.table) ?? store.depth();
  }

  private async queryGroup(key: string): Promise<Map<string, Depth>> {
    const tables = new Map<string, NonNullable<QueueStore['group']>>();
    for (const { store } of this.stores()) if (store.group.key === key) tables.set(store.group.table, store.group);
    const groups = [...tables.values()];
    const first = groups[0];
    if (!first) return new Map();
    const depths = await first.depth(groups.map((g) => g.table));
    const byTable = new Map<string, (typeof depths)[number]>();
    groups.forEach((g, i) => {
      const d = depths[i];
      if (d) byTable.set(g.table, d); // a missing answer is asked on its own (see above)
    });
    return byTable;
  }

  private forgetStale(now: number): void {
    for (const [key, result] of this.results) if (now - result.at > 4 * this.maxAgeMs) this.results.delete(key);
  }
}
