/**
 * Keeps each tenant's queue depth (counts of Pending, Processing, Failed, DeadLetter) fresh for the
 * tqw_queue_depth gauge.
 *
 * WHY a cache: a scrape must never query thousands of databases (Prometheus would time out, and a scrape
 * storm would load every tenant database). The counts are refreshed on an interval (config
 * metrics.depthIntervalMs) and scrapes read the last result.
 *
 * Isolation: tenants are refreshed concurrently (at most `concurrency` queries at once per refresh), and each
 * query only holds its slot for `timeoutMs`: a slow or hanging tenant database costs one slot for a bounded
 * time and never delays the others. A tenant whose query is still running is skipped by later refreshes
 * rather than queried again, so a hanging database does not pile up queries.
 */
import type { QueueStore, StatusCounts } from '../store/types';

export type QueueDepth = Omit<StatusCounts, 'Completed'> & {
  /** Pending and Failed by MessageType (QueueStore.waitingByType), when the store was asked for it. */
  waitingByType?: Record<string, number>;
};

export interface DepthCacheEntry {
  tenantId: string;
  /**
   * depth() each refresh; waitingByType() (when given) only of a tenant with Pending or Failed
   * messages, so an idle tenant costs no second statement.
   */
  store: Pick<QueueStore, 'depth'> & Partial<Pick<QueueStore, 'waitingByType'>>;
}

export interface QueueDepthCacheOptions {
  /** Refresh interval (config metrics.depthIntervalMs). Default 15000. */
  intervalMs?: number;
  /** The current tenants; read at every refresh, so tenants added or removed are followed. */
  stores: () => Iterable<DepthCacheEntry>;
  /** Called when a tenant's depth query fails or times out (its cached depth is dropped). Default: ignore. */
  onError?(tenantId: string, err: unknown): void;
  /** Most depth queries running at once in one refresh. Default 8. */
  concurrency?: number;
  /** How long one tenant's query may hold a slot before it counts as failed. Default: intervalMs. */
  timeoutMs?: number;
}

export const DEFAULT_DEPTH_INTERVAL_MS = 15_000;
const DEFAULT_CONCURRENCY = 8;

/** A tenant's depth query exceeded `timeoutMs` (it keeps running; its late result is still used). */
export class DepthQueryTimeoutError extends Error {
  constructor(tenantId: string, timeoutMs: number) {
    super(
      `queue depth query of tenant '${tenantId}' did not answer within ${timeoutMs} ms; ` +
        'its tqw_queue_depth series is left out until it answers (check that database, or raise metrics.depthIntervalMs)',
    );
    this.name = 'DepthQueryTimeoutError';
  }
}

export class QueueDepthCache {
  private readonly intervalMs: number;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly depths = new Map<string, QueueDepth>();
  /** Tenants whose depth query has not settled yet (skipped by later refreshes). */
  private readonly running = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: QueueDepthCacheOptions) {
    this.intervalMs = positive(options.intervalMs, DEFAULT_DEPTH_INTERVAL_MS, 'intervalMs');
    this.concurrency = positive(options.concurrency, DEFAULT_CONCURRENCY, 'concurrency');
    this.timeoutMs = positive(options.timeoutMs, this.intervalMs, 'timeoutMs');
  }

  /** Refreshes once at once, then every intervalMs. The timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.stopped = false;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops refreshing; results of queries still running are discarded and their errors not reported. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Last known depth of the tenant, or undefined (not yet queried, last query failed, or tenant removed). */
  get(tenantId: string): QueueDepth | undefined {
    return this.depths.get(tenantId);
  }

  /**
   * Queries every current tenant not already being queried, at most `concurrency` at once; resolves when each
   * query answered or hit its timeout. Never rejects. Also forgets tenants that left the map.
   */
  async refresh(): Promise<void> {
    const entries = [...this.options.stores()];
    const current = new Set(entries.map((e) => e.tenantId));
    for (const tenantId of this.depths.keys()) if (!current.has(tenantId)) this.depths.delete(tenantId);

    const queue = entries.filter((e) => !this.running.has(e.tenantId));
    const worker = async (): Promise<void> => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) await this.refreshTenant(entry);
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
  }

  private async refreshTenant({ tenantId, store }: DepthCacheEntry): Promise<void> {
    this.running.add(tenantId);
    const query = (async (): Promise<QueueDepth> => {
      const depth: QueueDepth = await store.depth();
      if (store.waitingByType && depth.Pending + depth.Failed > 0) return { ...depth, waitingByType: await store.waitingByType() };
      return depth;
    })().then(
      (depth) => {
        if (!this.stopped) this.depths.set(tenantId, depth);
      },
      (err: unknown) => {
        this.depths.delete(tenantId);
        this.report(tenantId, err);
      },
    );
    void query.finally(() => this.running.delete(tenantId));

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
      timer.unref();
    });
    const outcome = await Promise.race([query.then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.depths.delete(tenantId);
      this.report(tenantId, new DepthQueryTimeoutError(tenantId, this.timeoutMs));
    }
  }

  private report(tenantId: string, err: unknown): void {
    if (this.stopped || !this.options.onError) return;
    try {
      this.options.onError(tenantId, err);
    } catch {
      // A failing error callback must not break the refresh of the other tenants.
    }
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`QueueDepthCache option ${name} must be a positive number, got ${value}`);
  }
  return value;
}
