import type { RateAndConcurrency, TenantLimits } from '../types';

/** The QueueLimits scope of the whole tenant ('' never names a message type). */
export const TENANT_SCOPE = '';

/** A scope's token bucket as read under the limit lock: tokens at the last write, and the time since. */
export interface BucketState {
  tokens: number;
  elapsedMs: number;
}

/** One claim the budget allows: `limit` rows of `types`. */
export interface ClaimStep {
  types: readonly string[];
  limit: number;
}

/** The bucket size of a rate: one second's worth, at least one token (so a rate below 1/s still runs). */
export function bucketCapacity(ratePerSecond: number): number {
  return Math.max(1, ratePerSecond);
}

/** The scopes whose buckets a claim reads and writes: the tenant's and each rate-limited served type's, sorted (lock order). */
export function rateScopes(limits: TenantLimits, served: readonly string[]): string[] {
  const scopes = limits.ratePerSecond !== undefined ? [TENANT_SCOPE] : [];
  for (const type of served) if (limits.types?.[type]?.ratePerSecond !== undefined) scopes.push(type);
  return scopes.sort();
}

/** Whether any concurrency cap applies to these served types (the claim then counts running messages). */
export function countsRunning(limits: TenantLimits, served: readonly string[]): boolean {
  return limits.concurrency !== undefined || served.some((t) => limits.types?.[t]?.concurrency !== undefined);
}

/**
 * The budget of one limited claim, computed from what was read under the tenant's limit lock.
 * Pure (no I/O), so the rule is the same on both stores: a scope allows
 * min(whole tokens after refill, concurrency - running); a type's claim is bounded by its own
 * scope and the tenant's; the unlimited served types share what the tenant allows. Limited types
 * are claimed in `order` (callers rotate it so no type always goes first).
 */
export class LimitBudget {
  private readonly tokens = new Map<string, number>();
  private tenantLeft: number;

  constructor(
    private readonly limits: TenantLimits,
    buckets: ReadonlyMap<string, BucketState>,
    private readonly running: ReadonlyMap<string, number>,
    want: number,
  ) {
    for (const [scope, bucket] of buckets) {
      const rate = this.rateOf(scope);
      if (rate === undefined) continue;
      this.tokens.set(scope, Math.min(bucketCapacity(rate), bucket.tokens + (Math.max(0, bucket.elapsedMs) * rate) / 1000));
    }
    this.tenantLeft = Math.min(
      want,
      this.allowance(
        TENANT_SCOPE,
        limits,
        [...running.values()].reduce((a, b) => a + b, 0),
      ),
    );
  }

  /** The claims to run, in order: each limited served type on its own, then the others together. */
  *steps(served: readonly string[], order: readonly string[] = served): Generator<ClaimStep> {
    const limited = order.filter((t) => served.includes(t) && this.typeLimits(t) !== undefined);
    for (const type of limited) {
      const limits = this.typeLimits(type) ?? {};
      const limit = Math.min(this.tenantLeft, this.allowance(type, limits, this.running.get(type) ?? 0));
      if (limit > 0) yield { types: [type], limit };
    }
    const rest = served.filter((t) => !limited.includes(t));
    if (rest.length > 0 && this.tenantLeft > 0) yield { types: rest, limit: this.tenantLeft };
  }

  /** Records what a step claimed: `count` rows of each type (the tenant's and those types' tokens are spent). */
  took(countsByType: ReadonlyMap<string, number>): void {
    let total = 0;
    for (const [type, count] of countsByType) {
      total += count;
      const t = this.tokens.get(type);
      if (t !== undefined) this.tokens.set(type, t - count);
    }
    this.tenantLeft -= total;
    const t = this.tokens.get(TENANT_SCOPE);
    if (t !== undefined) this.tokens.set(TENANT_SCOPE, t - total);
  }

  /** The buckets to store (tokens after the refill and what the claims took), by scope. */
  buckets(): Map<string, number> {
    return new Map(this.tokens);
  }

  private typeLimits(type: string): RateAndConcurrency | undefined {
    return this.limits.types?.[type];
  }

  private rateOf(scope: string): number | undefined {
    return scope === TENANT_SCOPE ? this.limits.ratePerSecond : this.typeLimits(scope)?.ratePerSecond;
  }

  /** What a scope allows now: whole tokens and free concurrency slots (unbounded where unlimited). */
  private allowance(scope: string, limits: RateAndConcurrency, running: number): number {
    let allow = Number.POSITIVE_INFINITY;
    const tokens = this.tokens.get(scope);
    if (limits.ratePerSecond !== undefined && tokens !== undefined) allow = Math.min(allow, Math.floor(tokens + 1e-9)); // no lost token to float rounding
    if (limits.concurrency !== undefined) allow = Math.min(allow, limits.concurrency - running);
    return Math.max(0, allow);
  }
}
