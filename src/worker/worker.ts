import type { Logger } from 'pino';
import { describeError } from '../errors';
import type { HandlerRegistry } from '../handlers/handler-registry';
import type { TenantGaugeSnapshot, TqwMetrics } from '../metrics/metrics';
import type { ClaimedMessage, QueueStore } from '../store/types';
import type { Tenant } from '../tenants/types';
import { DEFAULT_WORKER_OPTIONS, type WorkerOptions } from './options';
import { processMessage, type ProcessOutcome } from './process-message';
import { TenantSlot, type TenantRunState } from './tenant-slot';

export interface WorkerDeps {
  handlers: HandlerRegistry;
  /** Opens a tenant's store (lazily connecting). The worker closes it when the tenant goes away. */
  createStore: (tenant: Tenant) => QueueStore;
  logger: Logger;
  metrics: TqwMetrics;
  /** Removes secrets from text (errors stored in rows, shown in /healthz, logged). */
  redact: (text: string) => string;
  options?: Partial<WorkerOptions>;
}

export interface TenantStatus {
  id: string;
  store: Tenant['dialect'];
  state: TenantRunState;
  lastSuccessfulPollAt: Date | null;
  consecutiveFailures: number;
  inflight: number;
  lastError: string | null;
}

export type WorkerPhase = 'idle' | 'running' | 'draining' | 'stopped';

/**
 * The poll loop: ONE scheduler for all tenants.
 *
 * - Slots: at most `concurrency` messages in flight overall and `tenantConcurrency` per tenant.
 *   Free slots are offered to due tenants round-robin, starting after the tenant served last,
 *   so a busy tenant cannot starve the others.
 * - A tenant whose claim came back full is due again at once; a partial claim waits pollMinMs;
 *   an empty one backs off from pollMinMs to pollMaxMs with jitter; a failing one is marked down
 *   and backs off up to tenantBackoffMaxMs (its own circuit breaker) while the others run on.
 * - The loop wakes on: a handler finishing (a slot freed), a claim returning, and a timer set for
 *   the earliest due tenant. Nothing polls faster than that.
 * - stop(): no new claims; in-flight handlers get shutdownTimeoutMs, then their AbortSignal fires
 *   and their messages are released; stores are closed.
 */
export class Worker {
  readonly options: WorkerOptions;
  private readonly slots = new Map<string, TenantSlot>();
  /** Removed or replaced tenants finishing their in-flight messages. */
  private readonly retiring = new Set<TenantSlot>();
  private order: TenantSlot[] = [];
  private cursor = 0;
  private inflight = 0;
  private reserved = 0;
  private claimsInFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private phase: WorkerPhase = 'idle';
  private idleWaiters: Array<() => void> = [];
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (err: unknown) => void;

  constructor(private readonly deps: WorkerDeps) {
    this.options = { ...DEFAULT_WORKER_OPTIONS, ...deps.options };
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // The promise is observed by whoever awaits `promise`; avoid an unhandled rejection before that.
    this.done.catch(() => undefined);
  }

  /** Resolves when the worker has stopped; rejects on an unexpected internal error (the process should exit non-zero). */
  get promise(): Promise<void> {
    return this.done;
  }

  get currentPhase(): WorkerPhase {
    return this.phase;
  }

  /** Starts polling the given tenants. */
  start(tenants: readonly Tenant[]): void {
    if (this.phase !== 'idle') throw new Error(`worker already ${this.phase}`);
    this.phase = 'running';
    this.setTenants(tenants);
    this.deps.logger.info(
      { tenants: tenants.length, handlerTypes: this.deps.handlers.types(), options: this.options },
      'worker started',
    );
  }

  /**
   * Applies a new tenant map: new tenants start, removed ones drain and stop, changed ones
   * (connection string or schema) drain on the old connection and restart on the new one.
   */
  setTenants(tenants: readonly Tenant[]): { added: string[]; removed: string[]; changed: string[] } {
    const next = new Map(tenants.map((t) => [t.id, t]));
    const added: string[] = [];
    const removed: string[] = [];
    const changed: string[] = [];
    const toRetire: TenantSlot[] = [];
    for (const [id, slot] of this.slots) {
      const replacement = next.get(id);
      if (!replacement) removed.push(id);
      else if (!sameConnection(slot.tenant, replacement)) changed.push(id);
      else continue;
      toRetire.push(slot);
      this.slots.delete(id);
    }
    for (const tenant of tenants) {
      if (!this.slots.has(tenant.id)) {
        if (!changed.includes(tenant.id)) added.push(tenant.id);
        const logger = this.deps.logger.child({ tenant: tenant.id });
        this.slots.set(tenant.id, new TenantSlot(tenant, this.deps.createStore(tenant), logger));
      }
    }
    // Retire after the replacements exist, so a changed tenant keeps its metric series.
    for (const slot of toRetire) this.retire(slot);
    this.order = [...this.slots.values()];
    this.cursor = this.order.length ? this.cursor % this.order.length : 0;
    if (added.length || removed.length || changed.length) {
      this.deps.logger.info({ added, removed, changed }, 'tenant map applied');
    }
    this.pump();
    return { added, removed, changed };
  }

  /** Polls a tenant now (e.g. after a notification that work arrived). */
  wake(tenantId: string): void {
    const slot = this.slots.get(tenantId);
    if (!slot) return;
    slot.wake(Date.now());
    this.pump();
  }

  tenantStatuses(): TenantStatus[] {
    return [...this.slots.values()].map((slot) => ({
      id: slot.id,
      store: slot.tenant.dialect,
      state: this.phase === 'draining' ? 'draining' : slot.state,
      lastSuccessfulPollAt: slot.lastSuccessfulPollAt,
      consecutiveFailures: slot.consecutiveFailures,
      inflight: slot.inflight,
      lastError: slot.lastError,
    }));
  }

  /** Per-tenant gauge inputs for the metrics registry (queue depth is added by the caller's cache). */
  gaugeSnapshots(): TenantGaugeSnapshot[] {
    return [...this.slots.values()].map((slot) => ({ id: slot.id, up: slot.state === 'up', inflight: slot.inflight }));
  }

  /** The current tenants and their stores (for the depth cache, retention and admin tasks). */
  stores(): Array<{ tenantId: string; store: QueueStore }> {
    return [...this.slots.values()].map((slot) => ({ tenantId: slot.id, store: slot.store }));
  }

  get inflightCount(): number {
    return this.inflight;
  }

  /**
   * Graceful shutdown. Claiming stops at once; in-flight handlers get `shutdownTimeoutMs`; then their
   * AbortSignal fires and their messages are released for another worker. Resolves when stopped.
   */
  async stop(): Promise<void> {
    if (this.phase === 'stopped' || this.phase === 'draining') return this.done;
    this.phase = 'draining';
    this.clearTimer();
    const { shutdownTimeoutMs } = this.options;
    this.deps.logger.info({ inflight: this.inflight, deadlineMs: shutdownTimeoutMs }, 'draining: claiming stopped');
    const drained = await this.waitForIdle(shutdownTimeoutMs);
    if (!drained) {
      this.deps.logger.warn({ inflight: this.inflight }, 'drain deadline passed: aborting in-flight handlers and releasing their messages');
      for (const slot of this.allSlots()) slot.abort.abort();
      // Releasing is one short UPDATE per message; bound the wait in case the database is gone.
      await this.waitForIdle(RELEASE_GRACE_MS);
    }
    await this.closeStores([...this.allSlots()]);
    this.slots.clear();
    this.retiring.clear();
    this.order = [];
    this.phase = 'stopped';
    this.deps.logger.info({ inflight: this.inflight }, 'worker stopped');
    this.resolveDone();
    return this.done;
  }

  private *allSlots(): Iterable<TenantSlot> {
    yield* this.slots.values();
    yield* this.retiring;
  }

  private retire(slot: TenantSlot): void {
    slot.state = 'draining';
    if (slot.inflight === 0 && !slot.claiming) {
      this.forgetRetired(slot);
      return;
    }
    this.retiring.add(slot);
    const timer = setTimeout(() => slot.abort.abort(), this.options.shutdownTimeoutMs);
    timer.unref();
  }

  private maybeFinishRetiring(slot: TenantSlot): void {
    if (this.retiring.has(slot) && slot.inflight === 0 && !slot.claiming) {
      this.retiring.delete(slot);
      this.forgetRetired(slot);
    }
  }

  /** A retired tenant is gone for good once drained: drop its metric series (unless it came back). */
  private forgetRetired(slot: TenantSlot): void {
    if (!this.slots.has(slot.id)) this.deps.metrics.removeTenant(slot.id);
    void this.closeStores([slot]);
  }

  private async closeStores(slots: TenantSlot[]): Promise<void> {
    await Promise.all(
      slots.map((slot) =>
        slot.store.close().catch((err: unknown) => slot.logger.warn({ err: this.deps.redact(describeError(err)) }, 'closing store failed')),
      ),
    );
  }

  /** Offers free slots to due tenants, round-robin; sets a timer for the earliest future poll. */
  private pump(): void {
    try {
      this.pumpOnce();
    } catch (err) {
      this.fail(err);
    }
  }

  private pumpOnce(): void {
    if (this.phase !== 'running') return;
    const { concurrency, tenantConcurrency, batchSize } = this.options;
    const now = Date.now();
    let free = concurrency - this.inflight - this.reserved;
    let earliest = Infinity;
    const count = this.order.length;
    let lastServed = -1;
    for (let i = 0; i < count; i++) {
      const index = (this.cursor + i) % count;
      const slot = this.order[index]!;
      if (slot.claiming) continue;
      if (slot.nextPollAt > now) {
        earliest = Math.min(earliest, slot.nextPollAt);
        continue;
      }
      // Due now, but no room: it will be offered a slot when a handler finishes.
      if (free <= 0) continue;
      const tenantFree = tenantConcurrency > 0 ? tenantConcurrency - slot.inflight : Infinity;
      if (tenantFree <= 0) continue;
      const limit = Math.min(batchSize, free, tenantFree);
      free -= limit;
      lastServed = index;
      void this.claim(slot, limit);
    }
    if (lastServed >= 0) this.cursor = (lastServed + 1) % Math.max(1, count);
    this.armTimer(earliest, now);
  }

  private armTimer(at: number, now: number): void {
    if (at === Infinity) return;
    if (this.timer && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - now));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private async claim(slot: TenantSlot, limit: number): Promise<void> {
    slot.claiming = true;
    this.reserved += limit;
    this.claimsInFlight += 1;
    const started = process.hrtime.bigint();
    let rows: ClaimedMessage[] = [];
    try {
      rows = await slot.store.claim({ limit, leaseMs: this.options.leaseMs });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.deps.metrics.poll(slot.id, rows.length > 0 ? 'hit' : 'empty', seconds);
      slot.onClaimSucceeded(rows.length, limit, this.options, Date.now());
    } catch (err) {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.deps.metrics.poll(slot.id, 'error', seconds);
      const error = this.deps.redact(describeError(err));
      const delay = slot.onClaimFailed(error, this.options, Date.now());
      // One line per backoff step (each failed poll is one step), not one per poll interval.
      slot.logger.warn(
        { consecutiveFailures: slot.consecutiveFailures, retryInMs: delay, error },
        'tenant poll failed; tenant marked down and backing off',
      );
    } finally {
      slot.claiming = false;
      this.reserved -= limit;
      this.claimsInFlight -= 1;
    }
    for (const row of rows) this.startMessage(slot, row);
    this.maybeFinishRetiring(slot);
    this.notifyIfIdle();
    this.pump();
  }

  private startMessage(slot: TenantSlot, row: ClaimedMessage): void {
    slot.inflight += 1;
    this.inflight += 1;
    const finished = (_outcome: ProcessOutcome | undefined) => {
      slot.inflight -= 1;
      this.inflight -= 1;
      this.maybeFinishRetiring(slot);
      this.notifyIfIdle();
      this.pump();
    };
    processMessage(row, {
      tenantId: slot.id,
      store: slot.store,
      handlers: this.deps.handlers,
      options: this.options,
      logger: slot.logger,
      metrics: this.deps.metrics,
      redact: this.deps.redact,
      shutdownSignal: slot.abort.signal,
    }).then(finished, (err: unknown) => {
      // processMessage never throws by design; if it does, that is a bug: fail loudly.
      finished(undefined);
      this.fail(err);
    });
  }

  private waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(waiter);
    });
  }

  private isIdle(): boolean {
    return this.inflight === 0 && this.claimsInFlight === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** An unexpected internal error: stop claiming and reject `promise` so the process exits non-zero. */
  private fail(err: unknown): void {
    this.deps.logger.fatal({ err }, 'unexpected error in the worker loop');
    this.phase = 'stopped';
    this.clearTimer();
    this.rejectDone(err);
  }
}

/** Time allowed for releasing aborted messages after the drain deadline. */
const RELEASE_GRACE_MS = 5_000;

function sameConnection(a: Tenant, b: Tenant): boolean {
  return a.connectionString === b.connectionString && a.schema === b.schema && a.dialect === b.dialect;
}
