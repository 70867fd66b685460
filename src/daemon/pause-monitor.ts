import type { PauseState, QueueStore } from '../store/types';

export interface PauseMonitorOptions {
  /** The current tenants and their stores; read at every refresh (tenant-map reloads are followed). */
  stores: () => Iterable<{ tenantId: string; store: QueueStore }>;
  /** Refresh interval; the daemon passes metrics.depthIntervalMs (default 15000). */
  intervalMs: number;
  /** A group's statement failed: its tenants' states become unknown until the next refresh. */
  onError?(groupKey: string, err: unknown): void;
}

/**
 * The worker's view of its tenants' pause switches (tqw pause), for /healthz, tqw_tenant_paused and
 * the console. Enforcement does not depend on it: every claim and probe reads the switches itself
 * (see store/*\/sql), so this view may lag by one interval without any message being claimed while
 * paused. One statement per group of tenants (StoreGroup.pauseStates: a database's schemas, a SQL
 * Server server's databases) per interval, not one per tenant.
 */
export class PauseMonitor {
  private states = new Map<string, PauseState>();
  /** Tenants set() since the running refresh started: its older reading must not undo them. */
  private setDuringRefresh = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly options: PauseMonitorOptions) {
    if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0)
      throw new RangeError(`PauseMonitor intervalMs must be a positive number, got ${options.intervalMs}`);
  }

  /** Refreshes now, then every intervalMs (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Last known switches of a tenant; undefined while unknown (not read yet, or its read failed). */
  get(tenantId: string): PauseState | undefined {
    return this.states.get(tenantId);
  }

  /** Records a state read or written just now (a console action), ahead of the next refresh. */
  set(tenantId: string, state: PauseState): void {
    this.states.set(tenantId, state);
    this.setDuringRefresh.add(tenantId);
  }

  /** Reads every current tenant's switches, one statement per group; never rejects. Concurrent calls share one run. */
  refresh(): Promise<void> {
    this.refreshing ??= this.readAll().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async readAll(): Promise<void> {
    this.setDuringRefresh.clear();
    const groups = new Map<string, Array<{ tenantId: string; store: QueueStore }>>();
    for (const entry of this.options.stores()) {
      const members = groups.get(entry.store.group.key) ?? [];
      members.push(entry);
      groups.set(entry.store.group.key, members);
    }
    const next = new Map<string, PauseState>();
    await Promise.all(
      [...groups].map(async ([key, members]) => {
        const first = members[0];
        if (!first) return;
        try {
          const states = await first.store.group.pauseStates(members.map((m) => m.store.group.table));
          members.forEach((m, i) => {
            const state = states[i];
            if (state) next.set(m.tenantId, state);
          });
        } catch (err) {
          this.options.onError?.(key, err);
        }
      }),
    );
    for (const tenantId of this.setDuringRefresh) {
      const state = this.states.get(tenantId);
      if (state) next.set(tenantId, state);
    }
    this.states = next;
  }
}
