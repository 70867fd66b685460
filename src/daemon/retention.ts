import type { Logger } from 'pino';
import { describeError } from '../errors';
import type { QueueStore } from '../store/types';

export interface RetentionOptions {
  /** Completed rows older than this are deleted; 0 keeps them forever. */
  completedMaxAgeMs: number;
  /** DeadLetter rows older than this are deleted; 0 (default) keeps them until requeued. */
  deadLetterMaxAgeMs: number;
  /** How often each tenant is swept. */
  intervalMs: number;
  /** Rows per DELETE: small batches keep locks short (and below SQL Server's lock escalation threshold). */
  batchSize: number;
}

/** Most batches per tenant per sweep, so one huge backlog cannot monopolise a sweep. */
const MAX_BATCHES_PER_SWEEP = 20;

/**
 * Deletes old Completed (and, only when configured, DeadLetter) rows in small batches, tenant by
 * tenant, on an interval. Failures are logged and retried at the next sweep.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly options: RetentionOptions,
    private readonly stores: () => Iterable<{ tenantId: string; store: QueueStore }>,
    private readonly logger: Logger,
    private readonly redact: (text: string) => string,
  ) {}

  get enabled(): boolean {
    return this.options.completedMaxAgeMs > 0 || this.options.deadLetterMaxAgeMs > 0;
  }

  start(): void {
    if (!this.enabled) return;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep().then(() => undefined).finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** One pass over every tenant. Returns the rows deleted per tenant. */
  async sweep(): Promise<Map<string, number>> {
    const deleted = new Map<string, number>();
    for (const { tenantId, store } of this.stores()) {
      if (this.stopped) break;
      let total = 0;
      try {
        if (this.options.completedMaxAgeMs > 0) total += await this.purge(store, 'Completed', this.options.completedMaxAgeMs);
        if (this.options.deadLetterMaxAgeMs > 0) total += await this.purge(store, 'DeadLetter', this.options.deadLetterMaxAgeMs);
        if (total > 0) this.logger.info({ tenant: tenantId, deleted: total }, 'retention: old rows deleted');
      } catch (err) {
        this.logger.warn({ tenant: tenantId, error: this.redact(describeError(err)) }, 'retention sweep failed; retrying next interval');
      }
      deleted.set(tenantId, total);
    }
    return deleted;
  }

  private async purge(store: QueueStore, status: 'Completed' | 'DeadLetter', maxAgeMs: number): Promise<number> {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES_PER_SWEEP && !this.stopped; i++) {
      const n = await store.purge(status, maxAgeMs, this.options.batchSize);
      total += n;
      if (n < this.options.batchSize) break;
    }
    return total;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
