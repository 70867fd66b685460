import type { Logger } from 'pino';
import type { QueueStore, TenantLimits, WorkSubscription } from '../store/types';
import type { Tenant } from '../tenants/types';
import { jitteredDelayMs } from '../retry/backoff';
import { CompletionBatcher } from './completion-batcher';
import { MessageBuffer } from './message-buffer';
import type { ProcessDeps } from './process-message';
import type { WorkerOptions } from './options';
import { OutcomeRetry } from './outcome-retry';
import { MessageCounts } from './message-ledger';

export type TenantRunState = 'starting' | 'up' | 'down' | 'draining';

/** First step of a failing tenant's backoff; doubles per consecutive failure up to tenantBackoffMaxMs. */
const FAILURE_BACKOFF_BASE_MS = 1_000;

/**
 * One tenant's scheduling and health state (its circuit breaker): when it may be polled next,
 * how many of its messages are in flight, and how its last polls went. A failing tenant backs off
 * on its own schedule; nothing here blocks another tenant.
 *
 * Active or parked: an active tenant is claimed directly (it had work at its last claim); a parked
 * one (its last claim found the queue drained) is left to its group's readiness probe and to
 * NOTIFY wake-ups, and costs no statement of its own.
 */
export class WorkerTenant {
  /** Its claimed messages by stage (changed only through the worker's MessageLedger). */
  readonly counts = new MessageCounts();
  /** Whether the last claim that answered returned as many rows as it asked for. */
  lastClaimFull = false;
  nextPollAt = 0;
  emptyStreak = 0;
  consecutiveFailures = 0;
  state: TenantRunState = 'starting';
  lastSuccessfulPollAt: Date | null = null;
  lastError: string | null = null;
  /** Fired when this tenant's handlers must stop: removal drain deadline or worker shutdown deadline. */
  readonly abort = new AbortController();
  /** Claimed, not yet started (prefetch), oldest first. */
  readonly buffer = new MessageBuffer();
  /** In the worker's ready queue (has buffered messages waiting for a handler slot). */
  queued = false;
  /** Left to the group probe / notifications instead of claimed directly. */
  parked = false;
  /** Parked: when work is known to be due (from a probe or our own retry), Infinity when none is known. */
  wakeAt = Infinity;
  /** Receiving NOTIFY wake-ups right now. */
  listening = false;
  subscription: WorkSubscription | undefined;
  /** Non-transactional completions, one statement per flush. */
  readonly completions: CompletionBatcher;
  /** What processMessage needs about this tenant, built by the worker on the first message (see Worker.processDepsOf). */
  processDeps: ProcessDeps | undefined;
  /** Outcome writes that failed and are written again (see outcome-retry.ts). */
  readonly outcomes: OutcomeRetry;
  /**
   * The tenant's flow limits (tenants file `limits`), replaced live by a tenant-map reload; undefined:
   * unlimited, so its claims are the single claim statement.
   */
  limits: TenantLimits | undefined;

  constructor(
    /** The tenant's entry of the tenant map (id, connection, schema). */
    readonly config: Tenant,
    readonly store: QueueStore,
    readonly logger: Logger,
    /** A statement failed because the database could not be reached (the worker watches for its return). */
    onUnreachable: (tenant: WorkerTenant) => void = () => undefined,
  ) {
    this.limits = config.limits;
    this.completions = new CompletionBatcher(store);
    this.outcomes = new OutcomeRetry(() => onUnreachable(this));
  }

  get id(): string {
    return this.config.id;
  }

  /** A claim returned `count` rows out of `limit`: full means more is waiting, poll again at once. */
  onClaimSucceeded(count: number, limit: number, options: WorkerOptions, now: number): void {
    if (this.state === 'down') this.logger.info({ after: this.consecutiveFailures }, 'tenant is back up');
    if (this.state !== 'draining') this.state = 'up';
    this.consecutiveFailures = 0;
    this.lastError = null;
    this.lastSuccessfulPollAt = new Date(now);
    if (count >= limit) {
      this.emptyStreak = 0;
      this.nextPollAt = now;
    } else if (count > 0) {
      this.emptyStreak = 0;
      this.nextPollAt = now + options.pollMinMs;
    } else {
      this.emptyStreak += 1;
      this.nextPollAt = now + jitteredDelayMs(this.emptyStreak, { baseMs: options.pollMinMs, maxMs: options.pollMaxMs });
    }
  }

  /** A readiness probe read this tenant's table: it is reachable (up), whether or not it was ever claimed. */
  onProbeSucceeded(now: number): void {
    if (this.state === 'starting') this.state = 'up';
    if (this.state === 'up') this.lastSuccessfulPollAt = new Date(now);
  }

  /** A claim failed: mark down, back off exponentially. Returns the delay before the next try. */
  onClaimFailed(error: string, options: WorkerOptions, now: number): number {
    this.consecutiveFailures += 1;
    if (this.state !== 'draining') this.state = 'down';
    this.lastError = error;
    const delay = jitteredDelayMs(this.consecutiveFailures, {
      baseMs: Math.min(FAILURE_BACKOFF_BASE_MS, options.tenantBackoffMaxMs),
      maxMs: options.tenantBackoffMaxMs,
    });
    this.nextPollAt = now + delay;
    return delay;
  }

  /**
   * Its database answers again (the recovery watch's ping, its NOTIFY listener reconnecting): a
   * down tenant's backoff ends now instead of at its timer, and its held outcomes are written.
   */
  onReachable(now: number): void {
    this.outcomes.reachable();
    if (this.state === 'down') this.nextPollAt = Math.min(this.nextPollAt, now);
  }

  /** Wakes the tenant for an immediate poll (e.g. a notification that work arrived). */
  wake(now: number): void {
    if (this.state === 'down') return;
    this.emptyStreak = 0;
    this.nextPollAt = Math.min(this.nextPollAt, now);
  }

  /** When a parked tenant should be claimed: when work is due, but not before its empty-claim backoff. */
  get parkedWakeAt(): number {
    return this.wakeAt === Infinity ? Infinity : Math.max(this.wakeAt, this.nextPollAt);
  }
}
