/**
 * The fleet view: every tenant's depth by status, oldest due age, state and backlog trend, refreshed
 * in the background every `refreshMs` with the stores' group statements (one statement per database
 * or SQL Server server for up to maxTablesPerStatement tenants, not one per tenant), so thousands of
 * tenants cost a few statements per refresh. A group statement that fails is retried tenant by
 * tenant, so one broken tenant shows as down without taking its neighbours with it.
 */
import { mapSettledLimit } from '../cli/map-limit';
import { describeError } from '../errors';
import type { StatusCounts } from '../store/types';
import type { ConsoleSource, ConsoleTenant } from './console-source';

export type Depth = Omit<StatusCounts, 'Completed'>;

export interface TenantSummary {
  id: string;
  store: 'postgres' | 'sqlserver';
  /** down: the console's own query of its table failed; otherwise the worker's state (tqw run) or up. */
  state: 'up' | 'down' | 'draining' | 'starting';
  /** null: unknown (no flow control wired, or its table unreadable). */
  paused: boolean | null;
  pausedTypes: string[];
  /** null until the first refresh reached the table. */
  counts: Depth | null;
  /** Age in seconds of the oldest work due now (Pending/Failed past their time, or an expired lease); null: none. */
  oldestDueAgeSeconds: number | null;
  rates: {
    /** Net change of due-or-waiting work (Pending + Failed) per minute between the last two refreshes: > 0, the backlog grows. */
    backlogChangePerMinute: number | null;
  };
  /** Handlers running for it in this process (tqw run), else null. */
  inflight: number | null;
  /** Why it is down (redacted), else null. */
  error: string | null;
}

export interface FleetSnapshot {
  /** ISO time of the refresh. */
  at: string;
  tenants: TenantSummary[];
}

export interface FleetMonitorOptions {
  /** Default 5000 ms. */
  refreshMs: number;
  /** Lease length (worker.leaseMs): an expired Processing lease counts as due work. */
  leaseMs: number;
  /** Group statements in flight at once. Default 4. */
  concurrency: number;
  redact: (text: string) => string;
}

interface Measured {
  counts: Depth | null;
  nextDueMs: number | null;
  error: string | null;
}

export class FleetMonitor {
  private current: FleetSnapshot = { at: new Date(0).toISOString(), tenants: [] };
  private previous = new Map<string, { at: number; backlog: number }>();
  private readonly listeners = new Set<(snapshot: FleetSnapshot) => void>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly source: ConsoleSource,
    private readonly options: FleetMonitorOptions,
  ) {}

  snapshot(): FleetSnapshot {
    return this.current;
  }

  /** Called after each refresh; returns the unsubscribe function. */
  subscribe(listener: (snapshot: FleetSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      void this.refresh().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.options.refreshMs);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.queued;
    await this.running;
  }

  /**
   * A refresh that starts now or later (never one already under way, which may have read before the
   * caller's change): at most one runs and one waits behind it, shared by every caller meanwhile.
   */
  refresh(): Promise<void> {
    if (this.queued) return this.queued;
    const start = () => {
      this.queued = undefined;
      this.running = this.measureAll().finally(() => (this.running = undefined));
      return this.running;
    };
    if (!this.running) return start();
    this.queued = this.running.then(start, start);
    return this.queued;
  }

  private async measureAll(): Promise<void> {
    const tenants = this.source.tenants();
    const measured = new Map<string, Measured>();
    const groups = new Map<string, ConsoleTenant[]>();
    for (const t of tenants) {
      const key = t.store.group.key;
      groups.set(key, [...(groups.get(key) ?? []), t]);
    }
    const chunks: ConsoleTenant[][] = [];
    for (const members of groups.values()) {
      const size = Math.max(1, (members[0] as ConsoleTenant).store.group.maxTablesPerStatement);
      for (let i = 0; i < members.length; i += size) chunks.push(members.slice(i, i + size));
    }
    await mapSettledLimit(chunks, this.options.concurrency, async (chunk) => {
      for (const [id, m] of await this.measureChunk(chunk)) measured.set(id, m);
    });
    const pauses = await this.pauseStates(tenants);
    const health = new Map((this.source.health?.() ?? []).map((h) => [h.id, h]));
    const now = Date.now();
    const next = new Map<string, { at: number; backlog: number }>();
    const summaries = tenants.map((t): TenantSummary => {
      const m = measured.get(t.tenant.id) ?? { counts: null, nextDueMs: null, error: 'not measured' };
      const h = health.get(t.tenant.id);
      const pause = pauses.get(t.tenant.id);
      let backlogChangePerMinute: number | null = null;
      if (m.counts) {
        const backlog = m.counts.Pending + m.counts.Failed;
        const before = this.previous.get(t.tenant.id);
        if (before && now > before.at) backlogChangePerMinute = Math.round(((backlog - before.backlog) * 60_000) / (now - before.at));
        next.set(t.tenant.id, { at: now, backlog });
      }
      return {
        id: t.tenant.id,
        store: t.tenant.dialect,
        state: m.error !== null ? 'down' : h && h.state !== 'down' ? h.state : 'up',
        paused: pause === undefined ? null : pause.all,
        pausedTypes: pause?.types ?? [],
        counts: m.counts,
        oldestDueAgeSeconds: m.nextDueMs !== null && m.nextDueMs <= 0 ? Math.round(-m.nextDueMs / 1000) : null,
        rates: { backlogChangePerMinute },
        inflight: h ? h.inflight : null,
        error: m.error,
      };
    });
    this.previous = next;
    this.current = { at: new Date(now).toISOString(), tenants: summaries };
    for (const listener of this.listeners) listener(this.current);
  }

  private async measureChunk(chunk: ConsoleTenant[]): Promise<Map<string, Measured>> {
    const out = new Map<string, Measured>();
    const group = (chunk[0] as ConsoleTenant).store.group;
    const tables = chunk.map((t) => t.store.group.table);
    try {
      const [depths, due] = await Promise.all([group.depth(tables), group.nextDue(tables, { leaseMs: this.options.leaseMs })]);
      chunk.forEach((t, i) => out.set(t.tenant.id, { counts: depths[i] ?? null, nextDueMs: due[i] ?? null, error: null }));
    } catch {
      // One tenant's missing table or lost privilege fails the whole statement: find which, one by one.
      await Promise.all(
        chunk.map(async (t) => {
          try {
            const g = t.store.group;
            const [[counts], [nextDue]] = await Promise.all([g.depth([g.table]), g.nextDue([g.table], { leaseMs: this.options.leaseMs })]);
            out.set(t.tenant.id, { counts: counts ?? null, nextDueMs: nextDue ?? null, error: null });
          } catch (err) {
            out.set(t.tenant.id, { counts: null, nextDueMs: null, error: this.options.redact(describeError(err)) });
          }
        }),
      );
    }
    return out;
  }

  private async pauseStates(tenants: readonly ConsoleTenant[]): Promise<Map<string, { all: boolean; types: string[] }>> {
    const out = new Map<string, { all: boolean; types: string[] }>();
    const flow = this.source.flowControl;
    if (!flow) return out;
    const results = await mapSettledLimit(tenants, this.options.concurrency * 4, (t) => flow.state(t));
    tenants.forEach((t, i) => {
      const r = results[i] as (typeof results)[number];
      if (r.status === 'fulfilled') out.set(t.tenant.id, r.value);
    });
    return out;
  }
}
