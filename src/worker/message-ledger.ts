/**
 * The worker's one accounting model. Every message a worker has claimed is in exactly one stage,
 * counted once per tenant (WorkerTenant.counts) and once in total (MessageLedger.total); every
 * change goes through the ledger, which changes both, so the totals are always the sum over the
 * tenants (audit() checks it; the worker tests run it after every scenario). Anything else the
 * worker needs (claim room, idleness) is derived from these counts, never kept beside them.
 *
 *   claim sent ──> reserved ──> buffered ──> running ──> completing ──> (written)
 *                      │            │  │         │             │
 *                      │            │  └─> releasing ──> (written)     retrying ──> (written)
 *                      └─> suspects ───> running                  (an outcome write failed)
 */
export class MessageCounts {
  /** Claim statements in flight. */
  claims = 0;
  /** Rows asked for by the claims in flight: room they take until they answer. */
  reserved = 0;
  /** Claimed, waiting for a handler slot (the tenant's prefetch buffer). */
  buffered = 0;
  /** Taken over from an expired lease, waiting to run alone (quarantine.ts). */
  suspects = 0;
  /** Handler running (holds a handler slot). */
  running = 0;
  /** Handler done, its outcome being written (a batched completion, a COMMIT, a retry). */
  completing = 0;
  /** A write of its outcome failed and waits to be repeated (outcome-retry.ts): no handler slot, no claim room. */
  retrying = 0;
  /** Never started, being given back (release). */
  releasing = 0;

  /** Room for claims these messages take: claimed and not finished (retrying and releasing ones take none). */
  get held(): number {
    return this.reserved + this.buffered + this.suspects + this.running + this.completing;
  }

  /** Messages whose outcome is not written yet. */
  get unwritten(): number {
    return this.running + this.completing + this.retrying + this.releasing;
  }

  /** Nothing claimed, in flight or unwritten. */
  get idle(): boolean {
    return this.claims === 0 && this.held === 0 && this.retrying === 0 && this.releasing === 0;
  }
}

export type Stage = Exclude<keyof MessageCounts, 'held' | 'unwritten' | 'idle'>;

export const STAGES: readonly Stage[] = ['claims', 'reserved', 'buffered', 'suspects', 'running', 'completing', 'retrying', 'releasing'];

/** What the ledger needs of a tenant. */
export interface Counted {
  readonly id: string;
  readonly counts: MessageCounts;
}

export class MessageLedger {
  readonly total = new MessageCounts();

  /** `n` more (or fewer, n < 0) of the tenant's messages are in `stage`. */
  add(tenant: Counted, stage: Stage, n: number): void {
    tenant.counts[stage] += n;
    this.total[stage] += n;
  }

  /** `n` of the tenant's messages move from one stage to another. */
  move(tenant: Counted, from: Stage, to: Stage, n = 1): void {
    this.add(tenant, from, -n);
    this.add(tenant, to, n);
  }

  /**
   * Where the books do not balance (empty when they do): a total that is not the sum over `tenants`
   * (every tenant the worker still counts, retiring ones included), or a negative count.
   */
  audit(tenants: Iterable<Counted>): string[] {
    const sum = new MessageCounts();
    const problems: string[] = [];
    for (const t of tenants) {
      for (const stage of STAGES) {
        sum[stage] += t.counts[stage];
        if (t.counts[stage] < 0) problems.push(`tenant ${t.id}: ${stage} is ${t.counts[stage]}`);
      }
    }
    for (const stage of STAGES) {
      if (sum[stage] !== this.total[stage]) problems.push(`total ${stage} is ${this.total[stage]}, the tenants' sum ${sum[stage]}`);
    }
    return problems;
  }
}
