/**
 * The one timer of recurring jobs in `tqw run`: it wakes at the next occurrence of any schedule and
 * hands each due occurrence to every matching tenant's store (enqueueOccurrence), which decides
 * atomically, in the tenant's database, whether this replica is the one that enqueues it. So any
 * number of replicas may run it at once, with no leader: each occurrence is enqueued once per tenant.
 *
 * Timing comes from this host's clock (cron is wall-clock time); which occurrence a message stands
 * for comes from the cron expression alone, so replicas whose clocks differ a little still agree on
 * every message id and on the state row.
 */
import type { Logger } from 'pino';
import { describeError } from '../errors';
import { MAX_TIMER_MS } from '../config/schema';
import { ScheduleClock } from '../schedules/cron';
import { occurrenceId } from '../schedules/occurrence-id';
import { scheduleCoversTenant } from '../schedules/parse-schedules';
import type { ScheduleConfig } from '../schedules/types';
import type { OccurrenceOutcome, QueueStore } from '../store/types';

/** An occurrence whose turn came more than this late counts as missed (the catch-up rule applies). */
export const DEFAULT_ON_TIME_GRACE_MS = 60_000;
/** Tenants whose enqueue failed are tried again after this (with the then latest occurrence). */
export const DEFAULT_SCHEDULE_RETRY_MS = 5_000;

export interface ScheduleRunnerOptions {
  schedules: readonly ScheduleConfig[];
  /** The current tenants and their stores (read on every wake-up, so tenant map reloads are followed). */
  stores: () => Iterable<{ tenantId: string; store: QueueStore }>;
  logger: Logger;
  /** Counts each occurrence this replica enqueued (tqw_schedule_enqueued_total). */
  onEnqueued?: (schedule: string, tenantId: string) => void;
  redact: (text: string) => string;
  /** Default DEFAULT_ON_TIME_GRACE_MS. */
  onTimeGraceMs?: number;
  /** Default DEFAULT_SCHEDULE_RETRY_MS. */
  retryMs?: number;
  /** The clock (tests). Default: the host's. */
  now?: () => Date;
}

/** What one wake-up did for one schedule and tenant (tests, logs). */
export interface OccurrenceResult {
  schedule: string;
  tenantId: string;
  occurrence: Date;
  outcome: OccurrenceOutcome | 'failed';
}

export class ScheduleRunner {
  private readonly clocks: Array<{ schedule: ScheduleConfig; clock: ScheduleClock }>;
  /** Per schedule and tenant, the latest occurrence this runner settled (any outcome but a failure). */
  private readonly settled = new Map<string, number>();
  private readonly graceMs: number;
  private readonly retryMs: number;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(private readonly options: ScheduleRunnerOptions) {
    this.clocks = options.schedules.map((schedule) => ({ schedule, clock: new ScheduleClock(schedule) }));
    this.graceMs = options.onTimeGraceMs ?? DEFAULT_ON_TIME_GRACE_MS;
    this.retryMs = options.retryMs ?? DEFAULT_SCHEDULE_RETRY_MS;
    this.now = options.now ?? (() => new Date());
  }

  /** Runs a first pass at once (a new schedule is recorded, a missed occurrence caught up), then follows the clock. */
  start(): void {
    if (this.clocks.length === 0 || this.stopped) return;
    this.wake();
  }

  private wake(): void {
    this.timer = undefined;
    // tick() settles every tenant's failure itself; a throw here (the tenant source) is retried too.
    const pass = this.tick().then(
      (results) => results.some((r) => r.outcome === 'failed'),
      (err: unknown) => {
        this.options.logger.error({ err: this.options.redact(describeError(err)) }, 'schedule: pass failed; retrying shortly');
        return true;
      },
    );
    this.running = pass;
    void pass.then((failed) => {
      this.running = undefined;
      if (this.stopped) return;
      const delay = this.delayToNext(failed);
      if (delay === undefined) return;
      this.timer = setTimeout(() => this.wake(), delay);
      this.timer.unref();
    });
  }

  /** Milliseconds to the next occurrence of any schedule (or to the retry), capped to what setTimeout takes. */
  private delayToNext(retry: boolean): number | undefined {
    const now = this.now();
    let next = retry ? now.getTime() + this.retryMs : Number.POSITIVE_INFINITY;
    for (const { clock } of this.clocks) next = Math.min(next, clock.next(now)?.getTime() ?? Number.POSITIVE_INFINITY);
    if (!Number.isFinite(next)) return undefined;
    return Math.min(MAX_TIMER_MS, Math.max(0, next - now.getTime()));
  }

  /**
   * One pass: for every schedule, its latest occurrence at or before now, to every matching tenant
   * that this runner has not settled it for. On time (at most onTimeGraceMs late) it is enqueued;
   * later than that it was missed, and is enqueued only with catchUp "latest" (with "none" it is
   * only recorded). Older missed occurrences are never enqueued. A failing tenant is logged and
   * retried later; it does not stop the others.
   */
  async tick(): Promise<OccurrenceResult[]> {
    const now = this.now();
    const stores = [...this.options.stores()];
    const work: Array<Promise<OccurrenceResult>> = [];
    for (const { schedule, clock } of this.clocks) {
      const occurrence = clock.latest(now);
      if (occurrence === null) continue;
      const missed = now.getTime() - occurrence.getTime() > this.graceMs;
      const enqueue = !missed || schedule.catchUp === 'latest';
      for (const { tenantId, store } of stores) {
        if (!scheduleCoversTenant(schedule, tenantId)) continue;
        const key = JSON.stringify([schedule.name, tenantId]);
        if ((this.settled.get(key) ?? Number.NEGATIVE_INFINITY) >= occurrence.getTime()) continue;
        work.push(this.enqueue(schedule, tenantId, store, occurrence, enqueue, missed, key));
      }
    }
    return Promise.all(work);
  }

  private async enqueue(
    schedule: ScheduleConfig,
    tenantId: string,
    store: QueueStore,
    occurrence: Date,
    enqueue: boolean,
    missed: boolean,
    key: string,
  ): Promise<OccurrenceResult> {
    const at = occurrence.toISOString();
    try {
      const outcome = await store.enqueueOccurrence({
        schedule: schedule.name,
        occurrence,
        enqueue,
        message: { id: occurrenceId(schedule.name, tenantId, occurrence), tenantId, messageType: schedule.type, payload: schedule.payload },
      });
      this.settled.set(key, occurrence.getTime());
      const fields = { tenant: tenantId, schedule: schedule.name, occurrence: at, outcome };
      if (outcome === 'enqueued') {
        this.options.onEnqueued?.(schedule.name, tenantId);
        this.options.logger.info({ ...fields, missed }, missed ? 'schedule: missed occurrence caught up' : 'schedule: occurrence enqueued');
      } else if (outcome === 'skipped') {
        this.options.logger.info(fields, 'schedule: missed occurrence skipped (catchUp "none")');
      } else {
        this.options.logger.debug(fields, 'schedule: occurrence already handled');
      }
      return { schedule: schedule.name, tenantId, occurrence, outcome };
    } catch (err) {
      this.options.logger.warn(
        { tenant: tenantId, schedule: schedule.name, occurrence: at, err: this.options.redact(describeError(err)) },
        'schedule: enqueue failed; retrying shortly',
      );
      return { schedule: schedule.name, tenantId, occurrence, outcome: 'failed' };
    }
  }

  /** Stops the timer and waits for a pass in progress. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
