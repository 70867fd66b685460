import type { Logger } from 'pino';
import { describeError } from '../errors';
import type { HandlerRegistry } from '../handlers/handler-registry';
import type { TenantGaugeSnapshot, TqwMetrics } from '../metrics/metrics';
import type { ClaimedMessage, QueueStore } from '../store/types';
import type { Tenant } from '../tenants/types';
import { LeaseKeeper } from './heartbeat';
import { LoopScheduler } from './loop-scheduler';
import { RunningAttempts, type RunningMessage } from './running-attempts';
import { DEFAULT_WORKER_OPTIONS, type WorkerOptions } from './options';
import { processMessage, type ProcessDeps, type ProcessOutcome } from './process-message';
import { ParkingLot } from './parking-lot';
import { TenantSlot, type TenantRunState } from './tenant-slot';
import { ClaimPlanner } from './claim-planner';
import { Quarantine } from './quarantine';
import { runClaim, type ClaimRunnerDeps } from './claim-runner';
import { RecoveryWatch } from './recovery-watch';
import { HandlerPolicies } from '../handlers/resolve-policy';
import type { RetryPolicy } from '../retry/retry-policy';

export interface WorkerDeps {
  handlers: HandlerRegistry;
  /** Opens a tenant's store (lazily connecting). The worker closes it when the tenant goes away. */
  createStore: (tenant: Tenant) => QueueStore;
  logger: Logger;
  metrics: TqwMetrics;
  /** Removes secrets from text (errors stored in rows, shown in /healthz, logged). */
  redact: (text: string) => string;
  options?: Partial<WorkerOptions>;
  /** Replaces parts of the default retry policy for every type (a handler's own retryPolicy wins; src/retry/retry-policy.ts). */
  retryPolicy?: Partial<RetryPolicy>;
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

/** Pending non-transactional completions (all tenants) above which no new claims are made. */
const MAX_PENDING_COMPLETIONS = 10_000;

/**
 * The poll loop: ONE scheduler for all tenants.
 *
 * - Room: at most `concurrency` handlers run at once, and at most concurrency + the adaptive
 *   prefetch messages are claimed and not finished (running, prefetched in a tenant's buffer, or
 *   being claimed). Claims are sized by that free room (up to batchSize) and offered to due
 *   tenants round-robin (claim-planner.ts); buffered messages are handed to free handler slots one
 *   tenant at a time, round-robin, so a tenant with a big backlog cannot starve the others;
 *   `tenantConcurrency` caps one tenant.
 * - Active tenants are claimed directly: a claim that came back full is repeated as soon as it
 *   answered (MAX_CLAIMS_PER_TENANT in flight per tenant), a failing tenant is marked down and backs
 *   off up to tenantBackoffMaxMs (its own circuit breaker) while the others run on.
 * - Idle tenants are parked: a claim that came back short of its limit means the queue is
 *   drained, so the tenant is left to its probe group (parking-lot.ts, probe-group.ts): one statement per
 *   chunk of up to ~100 tenants (PostgreSQL: one database; SQL Server: one server) per interval
 *   tells which of them have work due and when; only those are claimed. Tenants start parked, so
 *   start-up costs one probe per chunk, not a claim per tenant. A NOTIFY (PostgreSQL) wakes a
 *   parked tenant at once; our own retries wake it at their due time. Stores without a group API
 *   are polled on their own: empty claims back off from pollMinMs to pollMaxMs.
 * - Quarantine: a message taken over from an expired lease runs alone (quarantine.ts).
 * - Non-transactional completions are batched per tenant (CompletionBatcher): the handler slot is
 *   free as soon as the handler returns; one statement completes everything finished meanwhile.
 *   A transactional handler's slot is free once it succeeded, while its COMMIT is on the way.
 * - The loop wakes on: a handler finishing, a claim or probe returning, a notification, and one
 *   timer set for the earliest due tenant, probe or wake-up. Nothing polls faster than that.
 * - stop(): no new claims; prefetched messages are released at once; in-flight handlers get
 *   shutdownTimeoutMs, then their AbortSignal fires and their messages are released; stores are
 *   closed.
 */
export class Worker {
  readonly options: WorkerOptions;
  private readonly slots = new Map<string, TenantSlot>();
  /** Removed or replaced tenants finishing their in-flight messages. */
  private readonly retiring = new Set<TenantSlot>();
  /** Tenants claimed directly (not parked), in round-robin order. */
  private active: TenantSlot[] = [];
  /** Tenants with prefetched messages waiting for a handler slot, in round-robin order. */
  private ready: TenantSlot[] = [];
  /** Messages taken over from an expired lease, each run alone (see quarantine.ts). */
  private readonly quarantine = new Quarantine();
  /** Idle tenants left to their probe group (see parking-lot.ts). */
  private readonly parking: ParkingLot;
  /** Keeps the leases of running non-transactional messages (one timer for all). */
  private readonly leases: LeaseKeeper;
  /** Times out running attempts and aborts them at their tenant's shutdown deadline (one timer for all). */
  private readonly attempts = new RunningAttempts();
  /** Claim sizing and tenant round-robin (see claim-planner.ts). */
  private readonly planner: ClaimPlanner;
  /** What runClaim needs (claim-runner.ts: the claim statement and its outcome on the tenant). */
  private readonly claimDeps: ClaimRunnerDeps;
  /** Databases that could not be reached, pinged until they answer (see recovery-watch.ts). */
  private readonly recovery: RecoveryWatch;
  /** Each message type's timeout, attempts and retry policy. */
  private readonly policies: HandlerPolicies;
  private inflight = 0;
  /** Claimed and not finished, all tenants (see TenantSlot.held). */
  private held = 0;
  private claimsInFlight = 0;
  private completing = 0;
  /** Outstanding processMessage calls (until their outcome is written). */
  private unfinished = 0;
  /** When the loop runs next (now, at the end of this turn, or at a time; see loop-scheduler.ts). */
  private readonly scheduler = new LoopScheduler(() => this.pump());
  private phase: WorkerPhase = 'idle';
  private idleWaiters: Array<() => void> = [];
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (err: unknown) => void;

  constructor(private readonly deps: WorkerDeps) {
    this.options = { ...DEFAULT_WORKER_OPTIONS, ...deps.options };
    this.leases = new LeaseKeeper(Math.floor(this.options.leaseMs / 3));
    this.planner = new ClaimPlanner(this.options);
    this.policies = new HandlerPolicies(this.options, deps.retryPolicy);
    this.parking = new ParkingLot({
      options: this.options,
      logger: deps.logger,
      redact: deps.redact,
      isCurrent: (slot) => this.slots.get(slot.id) === slot,
      activate: (slot) => this.active.push(slot),
      deactivate: (slot) => {
        this.active = this.active.filter((s) => s !== slot);
      },
      onProbeSettled: () => {
        this.notifyIfIdle();
        this.pump();
      },
    });
    this.recovery = new RecoveryWatch((slots) => {
      const now = Date.now();
      for (const slot of slots) slot.onReachable(now);
      this.pump();
    });
    this.claimDeps = {
      options: this.options,
      metrics: deps.metrics,
      parking: this.parking,
      redact: deps.redact,
      running: () => this.phase === 'running',
      reached: (slot, reachable) => {
        if (reachable) {
          this.recovery.recovered(slot);
          slot.outcomes.reachable();
        } else this.recovery.watch(slot);
      },
    };
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
        const slot = new TenantSlot(tenant, this.deps.createStore(tenant), logger, (s) => this.recovery.watch(s));
        // One listener per tenant aborts all of its running attempts at its shutdown deadline.
        const signal = slot.abort.signal;
        signal.addEventListener('abort', () => this.attempts.abortTenant(signal), { once: true });
        this.slots.set(tenant.id, slot);
        this.subscribe(slot);
        // Start parked where the store can be probed: one probe statement per chunk of tenants
        // tells which have work, instead of a first claim for every tenant.
        if (!this.parking.park(slot, Date.now(), true)) this.active.push(slot);
      }
    }
    // Retire after the replacements exist, so a changed tenant keeps its metric series.
    for (const slot of toRetire) this.retire(slot);
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
    const now = Date.now();
    slot.wake(now);
    if (slot.parked && slot.state !== 'down') this.parking.unpark(slot);
    // At the end of this turn: a burst of notifications (one per INSERT) costs one loop pass.
    this.pumpSoon();
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

  /** The handler attempts running now (tenant, message id, type, attempt), for a dying process's last log line. */
  runningMessages(): RunningMessage[] {
    return this.attempts.describe();
  }

  get inflightCount(): number {
    return this.inflight;
  }

  /** Tenants currently parked (left to their group's probe); for tests and diagnostics. */
  parkedTenants(): string[] {
    return [...this.slots.values()].filter((s) => s.parked).map((s) => s.id);
  }

  /**
   * Graceful shutdown. Claiming stops at once and prefetched messages are released; in-flight
   * handlers get `shutdownTimeoutMs`; then their AbortSignal fires and their messages are released
   * for another worker. Resolves when stopped.
   */
  async stop(): Promise<void> {
    if (this.phase === 'stopped' || this.phase === 'draining') return this.done;
    this.phase = 'draining';
    this.scheduler.cancel();
    for (const slot of this.allSlots()) this.closeSubscription(slot);
    const { shutdownTimeoutMs } = this.options;
    this.deps.logger.info({ inflight: this.inflight }, 'draining: claiming stopped');
    for (const slot of this.allSlots()) this.releaseBuffered(slot, 'the worker shut down before it started the message');
    this.releaseSuspects(undefined, 'the worker shut down before it started the message');
    const drained = await this.waitForIdle(shutdownTimeoutMs);
    if (!drained) {
      this.deps.logger.warn({ inflight: this.inflight }, 'drain deadline passed: aborting in-flight handlers and releasing their messages');
      for (const slot of this.allSlots()) slot.abort.abort();
      // Releasing is one short UPDATE per message; bound the wait in case the database is gone.
      await this.waitForIdle(RELEASE_GRACE_MS);
    }
    if (!this.isIdle()) {
      // Outcomes still unwritten (the database is unreachable): give up; those messages wait for their lease.
      const held = [...this.allSlots()].reduce((n, slot) => n + slot.outcomes.size, 0);
      this.deps.logger.error({ held }, 'shutting down with message outcomes still unwritten (database unreachable); those messages are claimed again when their lease expires');
      for (const slot of this.allSlots()) slot.outcomes.giveUp();
      await this.waitForIdle(RELEASE_GRACE_MS);
    }
    this.recovery.clear();
    await this.closeStores([...this.allSlots()]);
    this.slots.clear();
    this.retiring.clear();
    this.active = [];
    this.ready = [];
    this.parking.clear();
    this.phase = 'stopped';
    this.deps.logger.info({ inflight: this.inflight }, 'worker stopped');
    this.resolveDone();
    return this.done;
  }

  private *allSlots(): Iterable<TenantSlot> {
    yield* this.slots.values();
    yield* this.retiring;
  }

  // ---- tenants joining and leaving ------------------------------------------------------------

  private subscribe(slot: TenantSlot): void {
    if (!this.options.notify || !slot.store.subscribe) return;
    try {
      slot.subscription = slot.store.subscribe({
        onWork: () => {
          if (this.slots.get(slot.id) === slot) this.wake(slot.id);
        },
        onListening: (listening) => {
          if (slot.listening === listening) return;
          slot.listening = listening;
          this.parking.onListening(slot, listening);
          // The listener reconnected: its database is back, whatever backoff the tenant reached.
          if (listening) {
            this.recovery.recovered(slot);
            slot.onReachable(Date.now());
          }
          this.pump();
        },
      });
    } catch (err) {
      slot.logger.warn({ error: this.deps.redact(describeError(err)) }, 'could not subscribe to notifications; polling only');
    }
  }

  private closeSubscription(slot: TenantSlot): void {
    slot.subscription?.close();
    slot.subscription = undefined;
    slot.listening = false;
  }

  private retire(slot: TenantSlot): void {
    slot.state = 'draining';
    this.closeSubscription(slot);
    this.removeFromScheduling(slot);
    this.releaseBuffered(slot, 'the tenant was removed or changed before the message started');
    this.releaseSuspects(slot, 'the tenant was removed or changed before the message started');
    if (this.isSlotIdle(slot)) {
      this.forgetRetired(slot);
      return;
    }
    this.retiring.add(slot);
    // Its handlers get the drain deadline, its unwritten outcomes a grace period after it (as at
    // shutdown): a removed tenant whose database is gone for good must not be retried forever.
    const timer = setTimeout(() => {
      slot.abort.abort();
      setTimeout(() => slot.outcomes.giveUp(), RELEASE_GRACE_MS).unref();
    }, this.options.shutdownTimeoutMs);
    timer.unref();
  }

  private removeFromScheduling(slot: TenantSlot): void {
    this.active = this.active.filter((s) => s !== slot);
    this.ready = this.ready.filter((s) => s !== slot);
    slot.queued = false;
    this.parking.remove(slot);
  }

  private isSlotIdle(slot: TenantSlot): boolean {
    return slot.inflight === 0 && slot.claims === 0 && slot.buffer.length === 0 && slot.completing === 0 && slot.unfinished === 0;
  }

  private maybeFinishRetiring(slot: TenantSlot): void {
    if (this.retiring.has(slot) && this.isSlotIdle(slot)) {
      this.retiring.delete(slot);
      this.forgetRetired(slot);
    }
  }

  /** A retired tenant is gone for good once drained: drop its metric series (unless it came back). */
  private forgetRetired(slot: TenantSlot): void {
    this.recovery.remove(slot);
    if (!this.slots.has(slot.id)) this.deps.metrics.removeTenant(slot.id);
    void this.closeStores([slot]);
  }

  private async closeStores(slots: TenantSlot[]): Promise<void> {
    await Promise.all(
      slots.map((slot) => {
        this.closeSubscription(slot);
        return slot.store.close().catch((err: unknown) => slot.logger.warn({ err: this.deps.redact(describeError(err)) }, 'closing store failed'));
      }),
    );
  }

  // ---- the loop --------------------------------------------------------------------------------

  /** Runs the loop once, now. */
  private pump(): void {
    try {
      this.pumpOnce();
    } catch (err) {
      this.fail(err);
    }
  }

  /** Runs the loop once at the end of this turn: many handlers finishing together cost one pass. */
  private pumpSoon(): void {
    this.scheduler.soon();
  }

  private pumpOnce(): void {
    if (this.phase !== 'running') return;
    const now = Date.now();
    let earliest = this.parking.serve(now);
    this.dispatch(now);
    const blocked = this.completing > MAX_PENDING_COMPLETIONS || this.quarantine.active;
    earliest = Math.min(
      earliest,
      this.planner.offer(now, this.active, this.held, this.completing, blocked, (slot, limit) => void this.claim(slot, limit)),
    );
    this.dispatch(now);
    this.scheduler.at(earliest, now);
    if (this.inflight === 0 && this.ready.length === 0) this.scheduler.idle();
  }

  /** Hands prefetched messages to free handler slots, one tenant at a time (round-robin). */
  private dispatch(now: number): void {
    if (this.quarantine.active) {
      this.dispatchSuspect(now);
      return;
    }
    const { concurrency, tenantConcurrency, leaseMs } = this.options;
    while (this.inflight < concurrency && this.ready.length > 0) {
      const slot = this.ready.shift()!;
      slot.queued = false;
      if (tenantConcurrency > 0 && slot.inflight >= tenantConcurrency) continue; // re-queued when one finishes
      const claimedAt = slot.buffer.headClaimedAt();
      const next = slot.buffer.shift();
      if (!next) continue;
      if (now - claimedAt > leaseMs / 2) {
        // Waited too long for a slot: running it now could outlive its lease. Give it back.
        this.held -= 1;
        this.releaseOne(slot, next, 'released: the message waited in the prefetch buffer for more than half its lease');
      } else {
        this.startMessage(slot, next);
      }
      this.enqueueReady(slot);
    }
  }

  /**
   * Quarantine: gives back every prefetched message, waits for the running handlers, then runs the
   * next reclaimed message alone.
   */
  private dispatchSuspect(now: number): void {
    for (const slot of this.ready) slot.queued = false;
    this.ready = [];
    for (const slot of this.allSlots()) {
      if (slot.buffer.length > 0) this.releaseBuffered(slot, 'the worker first ran a message taken over from an expired lease, alone');
    }
    if (this.quarantine.isRunning || this.inflight > 0) return;
    const next = this.quarantine.shift();
    if (!next) return;
    this.held -= 1;
    if (now - next.claimedAt > this.options.leaseMs / 2 || this.slots.get(next.slot.id) !== next.slot) {
      this.releaseOne(next.slot, next.row, 'released: the message waited to run alone for more than half its lease');
      this.pumpSoon();
      return;
    }
    this.held += 1;
    this.startMessage(next.slot, next.row, this.quarantine.started());
  }

  private enqueueReady(slot: TenantSlot): void {
    if (slot.queued || slot.buffer.length === 0 || this.phase !== 'running') return;
    slot.queued = true;
    this.ready.push(slot);
  }

  // ---- claiming and running --------------------------------------------------------------------

  private async claim(slot: TenantSlot, limit: number): Promise<void> {
    slot.claims += 1;
    slot.reserved += limit;
    this.held += limit;
    this.claimsInFlight += 1;
    let rows: ClaimedMessage[];
    try {
      rows = await runClaim(slot, limit, this.claimDeps);
    } finally {
      slot.claims -= 1;
      slot.reserved -= limit;
      this.held -= limit;
      this.claimsInFlight -= 1;
    }
    if (rows.length > 0) {
      const claimedAt = Date.now();
      const fresh = rows.filter((row) => !row.reclaimed);
      for (const row of rows) if (row.reclaimed) this.quarantine.admit({ slot, row, claimedAt });
      slot.buffer.push(fresh, claimedAt);
      this.held += rows.length;
      if (this.phase === 'running' && this.slots.get(slot.id) === slot) this.enqueueReady(slot);
      else {
        this.releaseBuffered(slot, 'the tenant was removed or the worker stopped while the message was being claimed');
        this.releaseSuspects(slot, 'the tenant was removed or the worker stopped while the message was being claimed');
      }
    }
    this.maybeFinishRetiring(slot);
    this.notifyIfIdle();
    this.pump();
  }

  private startMessage(slot: TenantSlot, row: ClaimedMessage, onFinished?: () => void): void {
    this.planner.started();
    slot.inflight += 1;
    this.inflight += 1;
    slot.unfinished += 1;
    this.unfinished += 1;
    // running: holds a handler slot; completing: the handler finished, its outcome is being
    // written; held: a write of its outcome failed and waits to be repeated (outcome-retry.ts): it
    // takes neither a handler slot nor room for claims, so a tenant whose database is down does not
    // shrink the others' share.
    let phase: 'running' | 'completing' | 'held' = 'running';
    const onHandlerDone = (holding?: boolean) => {
      if (phase === 'held' || (phase === 'completing' && !holding)) return;
      // A message run alone (quarantine) has done its harm or not once its handler is over: the
      // next may start while this one's outcome is written (reclaimed messages back to back).
      onFinished?.();
      if (phase === 'running') {
        slot.inflight -= 1;
        this.inflight -= 1;
      } else {
        slot.completing -= 1;
        this.completing -= 1;
      }
      if (holding) {
        this.held -= 1;
        phase = 'held';
      } else {
        slot.completing += 1;
        this.completing += 1;
        phase = 'completing';
      }
      this.enqueueReady(slot);
      this.pumpSoon();
    };
    const finished = (_outcome: ProcessOutcome | undefined) => {
      onHandlerDone();
      if (phase === 'completing') {
        slot.completing -= 1;
        this.completing -= 1;
        this.held -= 1;
      }
      slot.unfinished -= 1;
      this.unfinished -= 1;
      this.maybeFinishRetiring(slot);
      this.notifyIfIdle();
      this.pumpSoon();
    };
    processMessage(row, this.processDepsOf(slot), onHandlerDone).then(finished, (err: unknown) => {
      // processMessage never throws by design; if it does, that is a bug: fail loudly.
      finished(undefined);
      this.fail(err);
    });
  }

  /** What processMessage needs about the tenant: built once per tenant, shared by its messages. */
  private processDepsOf(slot: TenantSlot): ProcessDeps {
    return (slot.processDeps ??= {
      tenantId: slot.id,
      store: slot.store,
      handlers: this.deps.handlers,
      policies: this.policies,
      options: this.options,
      logger: slot.logger,
      metrics: this.deps.metrics,
      redact: this.deps.redact,
      shutdownSignal: slot.abort.signal,
      complete: (fence) => slot.completions.complete(fence),
      outcomes: slot.outcomes,
      onRetryScheduled: (delayMs) => this.scheduleWake(slot, Date.now() + delayMs),
      attempts: this.attempts,
      leases: this.leases,
    });
  }

  /** Our own retry of a message: wake the tenant (if parked) when it is due, without waiting for a probe. */
  private scheduleWake(slot: TenantSlot, at: number): void {
    if (!slot.parked) return;
    this.parking.wakeAt(slot, at);
    this.pumpSoon();
  }

  /** Gives back the tenant's reclaimed messages waiting to run alone (`slot` undefined: every tenant's). */
  private releaseSuspects(slot: TenantSlot | undefined, why: string): void {
    for (const suspect of this.quarantine.take(slot)) {
      this.held -= 1;
      this.releaseOne(suspect.slot, suspect.row, `released: ${why}; the attempt was not counted`);
    }
  }

  /** Gives back every prefetched message of the tenant (not started: the attempt is not counted). */
  private releaseBuffered(slot: TenantSlot, why: string): void {
    const buffered = slot.buffer.drain();
    this.held -= buffered.length;
    for (const row of buffered) this.releaseOne(slot, row, `released: ${why}; the attempt was not counted`);
  }

  /** Gives back a claimed message that never started; a failed write is repeated like any outcome (outcome-retry.ts). */
  private releaseOne(slot: TenantSlot, row: ClaimedMessage, reason: string): void {
    slot.unfinished += 1;
    this.unfinished += 1;
    const about = { messageId: row.id, type: row.messageType, attempt: row.processingAttempts };
    slot.outcomes
      .write(() => slot.store.release(row, reason), {
        failed: (err) =>
          slot.logger.warn({ ...about, err: this.deps.redact(describeError(err)) }, 'could not release a prefetched message; the worker writes it again when the database answers'),
        recovered: (tries) => slot.logger.info({ ...about, tries }, 'released a prefetched message after the database answered again'),
        gaveUp: (err) =>
          slot.logger.error({ ...about, err: this.deps.redact(describeError(err)) }, 'could not release a prefetched message and gave up; it is claimed again when its lease expires'),
      })
      .finally(() => {
        slot.unfinished -= 1;
        this.unfinished -= 1;
        this.maybeFinishRetiring(slot);
        this.notifyIfIdle();
      });
  }

  // ---- shutdown --------------------------------------------------------------------------------

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
    return this.inflight === 0 && this.claimsInFlight === 0 && this.unfinished === 0 && this.parking.probesInFlight === 0;
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** An unexpected internal error: stop claiming and reject `promise` so the process exits non-zero. */
  private fail(err: unknown): void {
    this.deps.logger.fatal({ err }, 'unexpected error in the worker loop');
    this.phase = 'stopped';
    this.scheduler.cancel();
    this.rejectDone(err);
  }
}

/** Time allowed for releasing aborted messages after the drain deadline. */
const RELEASE_GRACE_MS = 5_000;

function sameConnection(a: Tenant, b: Tenant): boolean {
  return a.connectionString === b.connectionString && a.schema === b.schema && a.dialect === b.dialect;
}
