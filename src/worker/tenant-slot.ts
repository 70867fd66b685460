import type { Logger } from 'pino';
import type { QueueStore } from '../store/types';
import type { Tenant } from '../tenants/types';
import { jitteredDelayMs } from './backoff';
import type { WorkerOptions } from './options';

export type TenantRunState = 'starting' | 'up' | 'down' | 'draining';

/** First step of a failing tenant's backoff; doubles per consecutive failure up to tenantBackoffMaxMs. */
const FAILURE_BACKOFF_BASE_MS = 1_000;

/**
 * One tenant's scheduling and health state (its circuit breaker): when it may be polled next,
 * how many of its messages are in flight, and how its last polls went. A failing tenant backs off
 * on its own schedule; nothing here blocks another tenant.
 */
export class TenantSlot {
  inflight = 0;
  claiming = false;
  nextPollAt = 0;
  emptyStreak = 0;
  consecutiveFailures = 0;
  state: TenantRunState = 'starting';
  lastSuccessfulPollAt: Date | null = null;
  lastError: string | null = null;
  /** Fired when this tenant's handlers must stop: removal drain deadline or worker shutdown deadline. */
  readonly abort = new AbortController();

  constructor(
    readonly tenant: Tenant,
    readonly store: QueueStore,
    readonly logger: Logger,
  ) {}

  get id(): string {
    return this.tenant.id;
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

  /** Wakes the tenant for an immediate poll (e.g. a notification that work arrived). */
  wake(now: number): void {
    if (this.state === 'down') return;
    this.emptyStreak = 0;
    this.nextPollAt = Math.min(this.nextPollAt, now);
  }
}
