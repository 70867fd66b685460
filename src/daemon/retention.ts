import type { Logger } from 'pino';
import { describeError } from '../errors';
import type { QueueStore, StoreGroup } from '../store/types';

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
      this.running = this.sweep()
        .then(() => undefined)
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /**
   * One pass over every tenant. Returns the rows deleted per tenant.
   * First one statement per group of tenants (a database, or a SQL Server server) asks which of
   * them hold anything old enough (StoreGroup.hasPurgeable); only those get DELETEs. A thousand
   * tenants with nothing to delete cost a few statements per sweep instead of a thousand. If that
   * check fails, its tenants are swept one by one as before.
   */
  async sweep(): Promise<Map<string, number>> {
    const deleted = new Map<string, number>();
    const entries = [...this.stores()];
    const { completedMaxAgeMs, deadLetterMaxAgeMs } = this.options;
    const completed = completedMaxAgeMs > 0 ? await this.candidates(entries, 'Completed', completedMaxAgeMs) : new Set<string>();
    const dead = deadLetterMaxAgeMs > 0 ? await this.candidates(entries, 'DeadLetter', deadLetterMaxAgeMs) : new Set<string>();
    for (const { tenantId, store } of entries) {
      if (this.stopped) break;
      let total = 0;
      try {
        if (completed.has(tenantId)) total += await this.purge(store, 'Completed', completedMaxAgeMs);
        if (dead.has(tenantId)) total += await this.purge(store, 'DeadLetter', deadLetterMaxAgeMs);
        if (total > 0) this.logger.info({ tenant: tenantId, deleted: total }, 'retention: old rows deleted');
      } catch (err) {
        this.logger.warn({ tenant: tenantId, err: this.redact(describeError(err)) }, 'retention sweep failed; retrying next interval');
      }
      deleted.set(tenantId, total);
    }
    return deleted;
  }

  /** The tenants that may hold `status` rows older than `maxAgeMs` (all of a group whose check failed). */
  private async candidates(
    entries: ReadonlyArray<{ tenantId: string; store: QueueStore }>,
    status: 'Completed' | 'DeadLetter',
    maxAgeMs: number,
  ): Promise<Set<string>> {
    const found = new Set<string>();
    const groups = new Map<string, Array<{ tenantId: string; group: StoreGroup }>>();
    for (const { tenantId, store } of entries) {
      const members = groups.get(store.group.key) ?? [];
      members.push({ tenantId, group: store.group });
      groups.set(store.group.key, members);
    }
    for (const members of groups.values()) {
      if (this.stopped) break;
      try {
        const [first] = members;
        if (!first) continue;
        const flags = await first.group.hasPurgeable(
          members.map((m) => m.group.table),
          status,
          maxAgeMs,
        );
        members.forEach((m, i) => {
          if (flags[i]) found.add(m.tenantId);
        });
      } catch (err) {
        this.logger.debug(
          { err: this.redact(describeError(err)), tenants: members.length },
          'retention pre-check failed; sweeping those tenants one by one',
        );
        for (const m of members) found.add(m.tenantId);
      }
    }
    return found;
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
