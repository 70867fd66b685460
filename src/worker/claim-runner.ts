import { describeError } from '../errors';
import { isConnectivityError } from '../store/connectivity-error';
import type { TqwMetrics } from '../metrics/metrics';
import type { ClaimedMessage, Dialect } from '../store/types';
import type { WorkerOptions } from './options';
import type { ParkingLot } from './parking-lot';
import type { WorkerTenant } from './worker-tenant';

/** What running a claim needs from the worker. */
export interface ClaimRunnerDeps {
  options: WorkerOptions;
  metrics: TqwMetrics;
  parking: ParkingLot;
  /** Removes secrets from text (the claim's error, stored on the tenant and logged). */
  redact: (text: string) => string;
  /** Whether the worker still runs (a tenant that drained its queue is parked only then). */
  running(): boolean;
  /** The message types the worker claims from a tenant on each dialect (HandlerRegistry.typesFor). */
  servedTypes: Readonly<Record<Dialect, readonly string[]>>;
  /** The tenant's database answered (`true`) or could not be reached (`false`): see recovery-watch.ts. */
  reached(tenant: WorkerTenant, reachable: boolean): void;
}

/**
 * Runs one claim statement for a tenant and records its outcome on the tenant, the metrics and the
 * parking lot; returns the claimed rows (none when the claim failed). The worker's own accounting
 * (room held for the claim, buffering the rows) stays with the worker.
 * - Success: poll metric 'hit' or 'empty', the tenant is up again (its circuit breaker closes); a
 *   claim that came back short of its limit drained the queue, so the tenant is parked (left to its
 *   probe group); a full one unparks a tenant an overlapping claim had parked.
 * - Failure: poll metric 'error', the tenant is marked down and backs off (its own circuit breaker),
 *   leaves its probe group (so it cannot make the probe of the others fail), and ONE warning per
 *   backoff step says so, with the error's secrets removed.
 */
export async function runClaim(tenant: WorkerTenant, limit: number, deps: ClaimRunnerDeps): Promise<ClaimedMessage[]> {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    const options = { limit, leaseMs: deps.options.leaseMs, types: deps.servedTypes[tenant.store.dialect] };
    // A tenant with limits claims through its database's budget (several statements); others with one.
    const rows = tenant.limits ? await tenant.store.claimLimited(options, tenant.limits) : await tenant.store.claim(options);
    deps.metrics.poll(tenant.id, rows.length > 0 ? 'hit' : 'empty', seconds());
    const now = Date.now();
    deps.reached(tenant, true);
    // A message taken over from an expired lease comes alone (see the claim's reclaim rule): more
    // expired leases may wait, so the tenant is claimed again as soon as that one has run (back
    // to back), as after a full claim, instead of parking.
    const more = rows.length >= limit || rows.some((row) => row.reclaimed === true);
    tenant.onClaimSucceeded(more ? limit : rows.length, limit, deps.options, now);
    tenant.lastClaimFull = more;
    if (!more) {
      if (deps.running()) deps.parking.park(tenant, now);
    } else if (tenant.parked) {
      // An overlapping claim drained the queue and parked the tenant, but this one came back full.
      deps.parking.unpark(tenant);
    }
    return rows;
  } catch (err) {
    deps.metrics.poll(tenant.id, 'error', seconds());
    if (isConnectivityError(err)) deps.reached(tenant, false);
    const error = deps.redact(describeError(err));
    const delay = tenant.onClaimFailed(error, deps.options, Date.now());
    tenant.lastClaimFull = false;
    deps.parking.leaveGroup(tenant);
    // One line per backoff step (each failed poll is one step), not one per poll interval.
    tenant.logger.warn(
      { consecutiveFailures: tenant.consecutiveFailures, retryInMs: delay, err: error },
      'tenant poll failed; tenant marked down and backing off',
    );
    return [];
  }
}
