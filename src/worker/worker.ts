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
import { WorkerTenant, type TenantRunState } from './worker-tenant';
import { ClaimPlanner } from './claim-planner';
import { Quarantine } from './quarantine';
import { runClaim, type ClaimRunnerDeps } from './claim-runner';
import { RecoveryWatch } from './recovery-watch';
import { MessageLedger } from './message-ledger';
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
 *   parked tenant at once; our own retries wake it at their due time. A tenant that cannot be
 *   parked (it is down, or its group is cooling down after a failed probe) is polled on its own:
 *   empty claims back off from pollMinMs to pollMaxMs.
 * - Quarantine: a message taken over from an expired lease runs alone (quarantine.ts).
 * - Non-transactional completions are batched per tenant (CompletionBatcher): the handler slot is
 *   free as soon as the handler returns; one statement completes everything finished meanwhile.
 *   A transactional handler's handler slot is free once it succeeded, while its COMMIT is on the way.
 * - The loop wakes on: a handler finishing, a claim or probe returning, a notification, and one
 *   timer set for the earliest due tenant, probe or wake-up. Nothing polls faster than that.
 * - stop(): no new claims; prefetched messages are released at once; in-flight handlers get
 *   shutdownTimeoutMs, then their AbortSignal fires and their messages are released; stores are
 *   closed.
 */
export class Worker {
  readonly options: WorkerOptions;
  private readonly tenants = new Map<string, WorkerTenant>();
  /** Removed or replaced tenants finishing their in-flight messages. */
  private readonly retiring = new Set<WorkerTenant>();
  /** Tenants claimed directly (not parked), in round-robin order. */
  private active: WorkerTenant[] = [];
  /** Tenants with prefetched messages waiting for a handler slot, in round-robin order. */
  private ready: WorkerTenant[] = [];
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
  /** Every claimed message's stage, per tenant and in total (see message-ledger.ts). */
  private readonly ledger = new MessageLedger();
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
    const servedTypes = Object.freeze({ postgres: deps.handlers.typesFor('postgres'), sqlserver: deps.handlers.typesFor('sqlserver') });
    this.parking = new ParkingLot({
      options: this.options,
      servedTypes,
      logger: deps.logger,
      redact: deps.redact,
      isCurrent: (tenant) => this.tenants.get(tenant.id) === tenant,
      activate: (tenant) => this.active.push(tenant),
      deactivate: (tenant) => {
        this.active = this.active.filter((s) => s !== tenant);
      },
      onProbeSettled: () => {
        this.notifyIfIdle();
        this.pump();
      },
    });
    this.recovery = new RecoveryWatch((tenants) => {
      const now = Date.now();
      for (const tenant of tenants) tenant.onReachable(now);
      this.pump();
    });
    this.claimDeps = {
      options: this.options,
      servedTypes,
      metrics: deps.metrics,
      parking: this.parking,
      redact: deps.redact,
      running: () => this.phase === 'running',
      reached: (tenant, reachable) => {
        if (reachable) {
          this.recovery.recovered(tenant);
          tenant.outcomes.reachable();
        } else this.recovery.watch(tenant);
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
    this.deps.logger.info({ tenants: tenants.length, handlerTypes: this.deps.handlers.types(), options: this.options }, 'worker started');
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
    const toRetire: WorkerTenant[] = [];
    for (const [id, tenant] of this.tenants) {
      const replacement = next.get(id);
      if (!replacement) removed.push(id);
      else if (!sameConnection(tenant.config, replacement)) changed.push(id);
      else {
        tenant.limits = replacement.limits; // limits change live, without draining the tenant
        continue;
      }
      toRetire.push(tenant);
      this.tenants.delete(id);
    }
    for (const entry of tenants) {
      if (!this.tenants.has(entry.id)) {
        if (!changed.includes(entry.id)) added.push(entry.id);
        const logger = this.deps.logger.child({ tenant: entry.id });
        const tenant = new WorkerTenant(entry, this.deps.createStore(entry), logger, (s) => this.recovery.watch(s));
        // One listener per tenant aborts all of its running attempts at its shutdown deadline.
        const signal = tenant.abort.signal;
        signal.addEventListener('abort', () => this.attempts.abortTenant(signal), { once: true });
        this.tenants.set(entry.id, tenant);
        this.subscribe(tenant);
        // Start parked where the store can be probed: one probe statement per chunk of tenants
        // tells which have work, instead of a first claim for every tenant.
        if (!this.parking.park(tenant, Date.now(), true)) this.active.push(tenant);
      }
    }
    // Retire after the replacements exist, so a changed tenant keeps its metric series.
    for (const tenant of toRetire) this.retire(tenant);
    if (added.length || removed.length || changed.length) {
      this.deps.logger.info({ added, removed, changed }, 'tenant map applied');
    }
    this.pump();
    return { added, removed, changed };
  }

  /** Polls a tenant now (e.g. after a notification that work arrived). */
  wake(tenantId: string): void {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return;
    const now = Date.now();
    tenant.wake(now);
    if (tenant.parked && tenant.state !== 'down') this.parking.unpark(tenant);
    // At the end of this turn: a burst of notifications (one per INSERT) costs one loop pass.
    this.pumpSoon();
  }

  tenantStatuses(): TenantStatus[] {
    return [...this.tenants.values()].map((tenant) => ({
      id: tenant.id,
      store: tenant.config.dialect,
      state: this.phase === 'draining' ? 'draining' : tenant.state,
      lastSuccessfulPollAt: tenant.lastSuccessfulPollAt,
      consecutiveFailures: tenant.consecutiveFailures,
      inflight: tenant.counts.running,
      lastError: tenant.lastError,
    }));
  }

  /** Per-tenant gauge inputs for the metrics registry (queue depth is added by the caller's cache). */
  gaugeSnapshots(): TenantGaugeSnapshot[] {
    return [...this.tenants.values()].map((tenant) => ({ id: tenant.id, up: tenant.state === 'up', inflight: tenant.counts.running }));
  }

  /** The current tenants and their stores (for the depth cache, retention and admin tasks). */
  stores(): Array<{ tenantId: string; store: QueueStore }> {
    return [...this.tenants.values()].map((tenant) => ({ tenantId: tenant.id, store: tenant.store }));
  }

  /** The handler attempts running now (tenant, message id, type, attempt), for a dying process's last log line. */
  runningMessages(): RunningMessage[] {
    return this.attempts.describe();
  }

  /**
   * Where the worker's counts do not add up (empty when they do): every total must be the sum over
   * the tenants it still counts, the buffered count each tenant's buffer length (tests call this).
   */
  auditCounts(): string[] {
    const tenants = [...this.allTenants()];
    const problems = this.ledger.audit(tenants);
    for (const t of tenants) {
      if (t.counts.buffered !== t.buffer.length)
        problems.push(`tenant ${t.id}: buffered is ${t.counts.buffered}, its buffer holds ${t.buffer.length}`);
    }
    const suspects = tenants.reduce((n, t) => n + t.counts.suspects, 0);
    if (suspects !== this.quarantine.size) problems.push(`suspects counted ${suspects}, quarantine holds ${this.quarantine.size}`);
    return problems;
  }

  get inflightCount(): number {
    return this.ledger.total.running;
  }

  /** Tenants currently parked (left to their group's probe); for tests and diagnostics. */
  parkedTenants(): string[] {
    return [...this.tenants.values()].filter((s) => s.parked).map((s) => s.id);
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
    for (const tenant of this.allTenants()) this.closeSubscription(tenant);
    const { shutdownTimeoutMs } = this.options;
    this.deps.logger.info({ inflight: this.ledger.total.running }, 'draining: claiming stopped');
    for (const tenant of this.allTenants()) this.releaseBuffered(tenant, 'the worker shut down before it started the message');
    this.releaseSuspects(undefined, 'the worker shut down before it started the message');
    const drained = await this.waitForIdle(shutdownTimeoutMs);
    if (!drained) {
      this.deps.logger.warn(
        { inflight: this.ledger.total.running },
        'drain deadline passed: aborting in-flight handlers and releasing their messages',
      );
      for (const tenant of this.allTenants()) tenant.abort.abort();
      // Releasing is one short UPDATE per message; bound the wait in case the database is gone.
      await this.waitForIdle(RELEASE_GRACE_MS);
    }
    if (!this.isIdle()) {
      // Outcomes still unwritten (the database is unreachable): give up; those messages wait for their lease.
      const held = this.ledger.total.retrying;
      this.deps.logger.error(
        { held },
        'shutting down with message outcomes still unwritten (database unreachable); those messages are claimed again when their lease expires',
      );
      for (const tenant of this.allTenants()) tenant.outcomes.giveUp();
      await this.waitForIdle(RELEASE_GRACE_MS);
    }
    this.recovery.clear();
    await this.closeStores([...this.allTenants()]);
    this.tenants.clear();
    this.retiring.clear();
    this.active = [];
    this.ready = [];
    this.parking.clear();
    this.phase = 'stopped';
    this.deps.logger.info({ inflight: this.ledger.total.running }, 'worker stopped');
    this.resolveDone();
    return this.done;
  }

  private *allTenants(): Iterable<WorkerTenant> {
    yield* this.tenants.values();
    yield* this.retiring;
  }

  // ---- tenants joining and leaving ------------------------------------------------------------

  private subscribe(tenant: WorkerTenant): void {
    if (!this.options.notify || !tenant.store.subscribe) return;
    try {
      tenant.subscription = tenant.store.subscribe({
        onWork: () => {
          if (this.tenants.get(tenant.id) === tenant) this.wake(tenant.id);
        },
        onListening: (listening) => {
          if (tenant.listening === listening) return;
          tenant.listening = listening;
          this.parking.onListening(tenant, listening);
          // The listener reconnected: its database is back, whatever backoff the tenant reached.
          if (listening) {
            this.recovery.recovered(tenant);
            tenant.onReachable(Date.now());
          }
          this.pump();
        },
      });
    } catch (err) {
      tenant.logger.warn({ err: this.deps.redact(describeError(err)) }, 'could not subscribe to notifications; polling only');
    }
  }

  private closeSubscription(tenant: WorkerTenant): void {
    tenant.subscription?.close();
    tenant.subscription = undefined;
    tenant.listening = false;
  }

  private retire(tenant: WorkerTenant): void {
    tenant.state = 'draining';
    this.closeSubscription(tenant);
    this.removeFromScheduling(tenant);
    this.releaseBuffered(tenant, 'the tenant was removed or changed before the message started');
    this.releaseSuspects(tenant, 'the tenant was removed or changed before the message started');
    if (this.isTenantIdle(tenant)) {
      this.forgetRetired(tenant);
      return;
    }
    this.retiring.add(tenant);
    // Its handlers get the drain deadline, its unwritten outcomes a grace period after it (as at
    // shutdown): a removed tenant whose database is gone for good must not be retried forever.
    const timer = setTimeout(() => {
      tenant.abort.abort();
      setTimeout(() => tenant.outcomes.giveUp(), RELEASE_GRACE_MS).unref();
    }, this.options.shutdownTimeoutMs);
    timer.unref();
  }

  private removeFromScheduling(tenant: WorkerTenant): void {
    this.active = this.active.filter((s) => s !== tenant);
    this.ready = this.ready.filter((s) => s !== tenant);
    tenant.queued = false;
    this.parking.remove(tenant);
  }

  private isTenantIdle(tenant: WorkerTenant): boolean {
    return tenant.counts.idle;
  }

  private maybeFinishRetiring(tenant: WorkerTenant): void {
    if (this.retiring.has(tenant) && this.isTenantIdle(tenant)) {
      this.retiring.delete(tenant);
      this.forgetRetired(tenant);
    }
  }

  /** A retired tenant is gone for good once drained: drop its metric series (unless it came back). */
  private forgetRetired(tenant: WorkerTenant): void {
    this.recovery.remove(tenant);
    if (!this.tenants.has(tenant.id)) this.deps.metrics.removeTenant(tenant.id);
    void this.closeStores([tenant]);
  }

  private async closeStores(tenants: WorkerTenant[]): Promise<void> {
    await Promise.all(
      tenants.map((tenant) => {
        this.closeSubscription(tenant);
        return tenant.store
          .close()
          .catch((err: unknown) => tenant.logger.warn({ err: this.deps.redact(describeError(err)) }, 'closing store failed'));
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
    const { total } = this.ledger;
    const blocked = total.completing > MAX_PENDING_COMPLETIONS || this.quarantine.active;
    earliest = Math.min(
      earliest,
      this.planner.offer(now, this.active, total.held, total.completing, blocked, (tenant, limit) => void this.claim(tenant, limit)),
    );
    this.dispatch(now);
    this.scheduler.at(earliest, now);
    if (total.running === 0 && this.ready.length === 0) this.scheduler.idle();
  }

  /** Hands prefetched messages to free handler slots, one tenant at a time (round-robin). */
  private dispatch(now: number): void {
    if (this.quarantine.active) {
      this.dispatchSuspect(now);
      return;
    }
    const { concurrency, tenantConcurrency, leaseMs } = this.options;
    while (this.ledger.total.running < concurrency && this.ready.length > 0) {
      const tenant = this.ready.shift() as WorkerTenant;
      tenant.queued = false;
      if (tenantConcurrency > 0 && tenant.counts.running >= tenantConcurrency) continue; // re-queued when one finishes
      const claimedAt = tenant.buffer.headClaimedAt();
      const next = tenant.buffer.shift();
      if (!next) continue;
      if (now - claimedAt > leaseMs / 2) {
        // Waited too long for a tenant: running it now could outlive its lease. Give it back.
        this.releaseOne(tenant, next, 'buffered', 'released: the message waited in the prefetch buffer for more than half its lease');
      } else {
        this.startMessage(tenant, next, 'buffered');
      }
      this.enqueueReady(tenant);
    }
  }

  /**
   * Quarantine: gives back every prefetched message, waits for the running handlers, then runs the
   * next reclaimed message alone.
   */
  private dispatchSuspect(now: number): void {
    for (const tenant of this.ready) tenant.queued = false;
    this.ready = [];
    for (const tenant of this.allTenants()) {
      if (tenant.buffer.length > 0) this.releaseBuffered(tenant, 'the worker first ran a message taken over from an expired lease, alone');
    }
    if (this.quarantine.isRunning || this.ledger.total.running > 0) return;
    const next = this.quarantine.shift();
    if (!next) return;
    if (now - next.claimedAt > this.options.leaseMs / 2 || this.tenants.get(next.tenant.id) !== next.tenant) {
      this.releaseOne(next.tenant, next.row, 'suspects', 'released: the message waited to run alone for more than half its lease');
      this.pumpSoon();
      return;
    }
    this.startMessage(next.tenant, next.row, 'suspects', this.quarantine.started());
  }

  private enqueueReady(tenant: WorkerTenant): void {
    if (tenant.queued || tenant.buffer.length === 0 || this.phase !== 'running') return;
    tenant.queued = true;
    this.ready.push(tenant);
  }

  // ---- claiming and running --------------------------------------------------------------------

  private async claim(tenant: WorkerTenant, limit: number): Promise<void> {
    this.ledger.add(tenant, 'claims', 1);
    this.ledger.add(tenant, 'reserved', limit);
    let rows: ClaimedMessage[];
    try {
      rows = await runClaim(tenant, limit, this.claimDeps);
    } finally {
      this.ledger.add(tenant, 'claims', -1);
      this.ledger.add(tenant, 'reserved', -limit);
    }
    if (rows.length > 0) {
      const claimedAt = Date.now();
      const fresh = rows.filter((row) => !row.reclaimed);
      for (const row of rows) if (row.reclaimed) this.quarantine.admit({ tenant, row, claimedAt });
      tenant.buffer.push(fresh, claimedAt);
      this.ledger.add(tenant, 'buffered', fresh.length);
      this.ledger.add(tenant, 'suspects', rows.length - fresh.length);
      if (this.phase === 'running' && this.tenants.get(tenant.id) === tenant) this.enqueueReady(tenant);
      else {
        this.releaseBuffered(tenant, 'the tenant was removed or the worker stopped while the message was being claimed');
        this.releaseSuspects(tenant, 'the tenant was removed or the worker stopped while the message was being claimed');
      }
    }
    this.maybeFinishRetiring(tenant);
    this.notifyIfIdle();
    this.pump();
  }

  /** Starts the handler of a claimed message that was waiting in `from` (the buffer, or quarantine). */
  private startMessage(tenant: WorkerTenant, row: ClaimedMessage, from: 'buffered' | 'suspects', onFinished?: () => void): void {
    this.planner.started();
    this.ledger.move(tenant, from, 'running');
    // running: holds a handler slot; completing: the handler finished, its outcome is being
    // written; retrying: a write of its outcome failed and waits to be repeated (outcome-retry.ts):
    // it takes neither a handler slot nor room for claims, so a tenant whose database is down does
    // not shrink the others' share.
    let stage: 'running' | 'completing' | 'retrying' = 'running';
    const onHandlerDone = (retrying?: boolean) => {
      if (stage === 'retrying' || (stage === 'completing' && !retrying)) return;
      // A message run alone (quarantine) has done its harm or not once its handler is over: the
      // next may start while this one's outcome is written (reclaimed messages back to back).
      onFinished?.();
      const to = retrying ? 'retrying' : 'completing';
      this.ledger.move(tenant, stage, to);
      stage = to;
      this.enqueueReady(tenant);
      this.pumpSoon();
    };
    const finished = (_outcome: ProcessOutcome | undefined) => {
      onHandlerDone();
      this.ledger.add(tenant, stage, -1);
      this.maybeFinishRetiring(tenant);
      this.notifyIfIdle();
      this.pumpSoon();
    };
    processMessage(row, this.processDepsOf(tenant), onHandlerDone).then(finished, (err: unknown) => {
      // processMessage never throws by design; if it does, that is a bug: fail loudly.
      finished(undefined);
      this.fail(err);
    });
  }

  /** What processMessage needs about the tenant: built once per tenant, shared by its messages. */
  private processDepsOf(tenant: WorkerTenant): ProcessDeps {
    return (tenant.processDeps ??= {
      tenantId: tenant.id,
      store: tenant.store,
      handlers: this.deps.handlers,
      policies: this.policies,
      options: this.options,
      logger: tenant.logger,
      metrics: this.deps.metrics,
      redact: this.deps.redact,
      shutdownSignal: tenant.abort.signal,
      complete: (fence) => tenant.completions.complete(fence),
      outcomes: tenant.outcomes,
      onRetryScheduled: (delayMs) => this.scheduleWake(tenant, Date.now() + delayMs),
      attempts: this.attempts,
      leases: this.leases,
    });
  }

  /** Our own retry of a message: wake the tenant (if parked) when it is due, without waiting for a probe. */
  private scheduleWake(tenant: WorkerTenant, at: number): void {
    if (!tenant.parked) return;
    this.parking.wakeAt(tenant, at);
    this.pumpSoon();
  }

  /** Gives back the tenant's reclaimed messages waiting to run alone (`tenant` undefined: every tenant's). */
  private releaseSuspects(tenant: WorkerTenant | undefined, why: string): void {
    for (const suspect of this.quarantine.take(tenant)) {
      this.releaseOne(suspect.tenant, suspect.row, 'suspects', `released: ${why}; the attempt was not counted`);
    }
  }

  /** Gives back every prefetched message of the tenant (not started: the attempt is not counted). */
  private releaseBuffered(tenant: WorkerTenant, why: string): void {
    for (const row of tenant.buffer.drain()) this.releaseOne(tenant, row, 'buffered', `released: ${why}; the attempt was not counted`);
  }

  /** Gives back a claimed message that never started; a failed write is repeated like any outcome (outcome-retry.ts). */
  private releaseOne(tenant: WorkerTenant, row: ClaimedMessage, from: 'buffered' | 'suspects', reason: string): void {
    this.ledger.move(tenant, from, 'releasing');
    const about = { messageId: row.id, type: row.messageType, attempt: row.processingAttempts };
    tenant.outcomes
      .write(() => tenant.store.release(row, reason), {
        failed: (err) =>
          tenant.logger.warn(
            { ...about, err: this.deps.redact(describeError(err)) },
            'could not release a prefetched message; the worker writes it again when the database answers',
          ),
        recovered: (tries) => tenant.logger.info({ ...about, tries }, 'released a prefetched message after the database answered again'),
        gaveUp: (err) =>
          tenant.logger.error(
            { ...about, err: this.deps.redact(describeError(err)) },
            'could not release a prefetched message and gave up; it is claimed again when its lease expires',
          ),
      })
      .finally(() => {
        this.ledger.add(tenant, 'releasing', -1);
        this.maybeFinishRetiring(tenant);
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
    const { total } = this.ledger;
    return total.claims === 0 && total.unwritten === 0 && this.parking.probesInFlight === 0;
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
