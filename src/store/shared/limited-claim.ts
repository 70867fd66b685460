import type { ClaimedMessage, TenantLimits } from '../types';
import { LimitBudget, TENANT_SCOPE, bucketCapacity, countsRunning, rateScopes, type BucketState } from './limit-budget';

/** What one dialect provides to a limited claim, every call inside the same open transaction. */
export interface LimitedClaimSteps {
  /** Locks (creating them full) the buckets of `scopes` with their `capacities`; returns each one's state and the database clock. */
  lockBuckets(scopes: readonly string[], capacities: readonly number[]): Promise<{ buckets: Map<string, BucketState>; now: Date }>;
  /** Messages running now (unexpired leases) by type. */
  runningByType(): Promise<Map<string, number>>;
  claim(types: readonly string[], limit: number): Promise<ClaimedMessage[]>;
  saveBuckets(tokens: ReadonlyMap<string, number>, asOf: Date): Promise<void>;
}

/**
 * The rule of claimLimited on both stores (see QueueStore.claimLimited), given the dialect's
 * statements, already inside the transaction that holds the tenant's limit lock. `order` rotates the
 * limited types between claims.
 */
export async function claimWithinLimits(
  steps: LimitedClaimSteps,
  limits: TenantLimits,
  want: number,
  served: readonly string[],
  order: readonly string[],
): Promise<ClaimedMessage[]> {
  const rated = rateScopes(limits, served);
  const scopes = [...new Set([TENANT_SCOPE, ...rated])].sort();
  const rateOf = (scope: string) => (scope === TENANT_SCOPE ? limits.ratePerSecond : limits.types?.[scope]?.ratePerSecond);
  const capacities = scopes.map((scope) => {
    const rate = rateOf(scope);
    return rate === undefined ? 0 : bucketCapacity(rate);
  });
  const { buckets, now } = await steps.lockBuckets(scopes, capacities);
  for (const scope of scopes) if (!rated.includes(scope)) buckets.delete(scope);
  const running = countsRunning(limits, served) ? await steps.runningByType() : new Map<string, number>();
  const budget = new LimitBudget(limits, buckets, running, want);
  const claimed: ClaimedMessage[] = [];
  for (const step of budget.steps(served, order)) {
    const rows = await steps.claim(step.types, step.limit);
    const byType = new Map<string, number>();
    for (const row of rows) byType.set(row.messageType, (byType.get(row.messageType) ?? 0) + 1);
    budget.took(byType);
    claimed.push(...rows);
  }
  if (rated.length > 0) await steps.saveBuckets(budget.buckets(), now);
  return claimed;
}

/** `items` rotated left by `round` (mod length): the order a limited claim takes limited types in. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  if (items.length === 0) return [];
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
