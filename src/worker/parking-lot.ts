import type { Logger } from 'pino';
import { describeError } from '../errors';
import { shownKey } from '../store/sharing-key';
import type { Dialect } from '../store/types';
import type { WorkerOptions } from './options';
import { ProbeGroup, type ProbeChunk } from './probe-group';
import type { WorkerTenant } from './worker-tenant';

/** What the parking lot needs from the worker. */
export interface ParkingLotHost {
  options: WorkerOptions;
  /** The message types the worker claims on each dialect: the probe counts only their work. */
  servedTypes: Readonly<Record<Dialect, readonly string[]>>;
  logger: Logger;
  redact: (text: string) => string;
  /** Whether `tenant` is still the worker's current tenant for its tenant (not removed or replaced). */
  isCurrent(tenant: WorkerTenant): boolean;
  /** The tenant is claimed directly again (added to the worker's active round-robin). */
  activate(tenant: WorkerTenant): void;
  /** The tenant is left to its probe group (removed from the active round-robin). */
  deactivate(tenant: WorkerTenant): void;
  /** A probe settled: the worker runs its loop (and resolves idle waiters). */
  onProbeSettled(): void;
}

/**
 * Idle tenants, parked in probe groups (one per database or server, see probe-group.ts): a tenant
 * whose claim drained its queue is parked here, and ONE probe statement per chunk of its group tells
 * which parked tenants have work due and when; only those are handed back to the worker to claim.
 * A NOTIFY, our own retries (wakeAt) and a failing probe (the tenants poll on their own until it is
 * retried) also unpark. serve() is called on each turn of the worker's loop; its answer (the
 * earliest future group event) is cached until a group changes, so a thousand single-tenant groups
 * are not walked on every handler completion.
 */
export class ParkingLot {
  private readonly groups = new Map<string, ProbeGroup>();
  /** Cached earliest event of all groups (see serve), valid while !dirty. */
  private nextAt = Infinity;
  private dirty = true;
  private probing = 0;

  constructor(private readonly host: ParkingLotHost) {}

  /** Probe statements in flight (the worker is not idle while any runs). */
  get probesInFlight(): number {
    return this.probing;
  }

  /**
   * Parks a tenant whose claim drained its queue, if its store can be probed; `initial`: a tenant
   * just added, never claimed (its group's first probe tells whether it has work, and that its
   * table answers). Returns whether it parked.
   */
  park(tenant: WorkerTenant, now: number, initial = false): boolean {
    const storeGroup = tenant.store.group;
    const eligible = tenant.state === 'up' || (initial && tenant.state === 'starting');
    if (!eligible || !this.host.isCurrent(tenant)) return false;
    const { options } = this.host;
    let group = this.groups.get(storeGroup.key);
    if (!group) {
      group = new ProbeGroup(storeGroup.key, tenant.store.dialect, options, () => {
        this.dirty = true;
      });
      this.groups.set(storeGroup.key, group);
    }
    if (!group.canPark(now)) return false;
    group.join(tenant);
    tenant.parked = true;
    tenant.wakeAt = Infinity;
    if (!initial) this.host.deactivate(tenant);
    group.onParked(tenant, now, options);
    return true;
  }

  unpark(tenant: WorkerTenant): void {
    if (!tenant.parked) return;
    tenant.parked = false;
    tenant.wakeAt = Infinity;
    tenant.nextPollAt = Math.min(tenant.nextPollAt, Date.now());
    this.groupOf(tenant)?.onUnparked(tenant);
    if (this.host.isCurrent(tenant)) this.host.activate(tenant);
  }

  /** A tenant failed: it leaves its probe group (it must not make the others' probe fail) and polls on its own. */
  leaveGroup(tenant: WorkerTenant): void {
    const group = this.groupOf(tenant);
    if (!group) return;
    if (tenant.parked) this.unpark(tenant);
    this.leave(group, tenant);
  }

  /** A tenant removed or replaced: out of its group, without being handed back to the worker. */
  remove(tenant: WorkerTenant): void {
    const group = this.groupOf(tenant);
    if (group) {
      if (tenant.parked) group.onUnparked(tenant);
      this.leave(group, tenant);
    }
    tenant.parked = false;
  }

  /** The tenant's NOTIFY listener connected or dropped: its group's probe interval follows. */
  onListening(tenant: WorkerTenant, listening: boolean): void {
    const group = this.groupOf(tenant);
    if (group?.has(tenant)) group.onListening(tenant, listening, Date.now(), this.host.options);
  }

  /** Our own retry of a message of a parked tenant: wake it at `at`, without waiting for a probe. */
  wakeAt(tenant: WorkerTenant, at: number): void {
    if (!tenant.parked) return;
    tenant.wakeAt = Math.min(tenant.wakeAt, at);
    this.groupOf(tenant)?.touch();
  }

  /**
   * Unparks tenants whose work is due and starts due probes. Returns the earliest future group
   * event (cached until a group changes or it comes due).
   */
  serve(now: number): number {
    if (!this.dirty && this.nextAt > now) return this.nextAt;
    this.dirty = false;
    let earliest = Infinity;
    for (const group of this.groups.values()) {
      let next = group.nextEventAt();
      if (next <= now) {
        for (const tenant of group.dueMembers(now)) this.unpark(tenant);
        for (const chunk of group.dueChunks(now)) void this.probe(group, chunk);
        next = group.nextEventAt();
      }
      earliest = Math.min(earliest, next);
    }
    this.nextAt = earliest;
    return earliest;
  }

  clear(): void {
    this.groups.clear();
    this.dirty = true;
  }

  private groupOf(tenant: WorkerTenant): ProbeGroup | undefined {
    return this.groups.get(tenant.store.group.key);
  }

  private leave(group: ProbeGroup, tenant: WorkerTenant): void {
    group.leave(tenant);
    if (group.size === 0) this.groups.delete(group.key);
    this.dirty = true;
  }

  private async probe(group: ProbeGroup, chunk: ProbeChunk): Promise<void> {
    const { options, logger, redact } = this.host;
    chunk.probing = true;
    this.dirty = true;
    this.probing += 1;
    try {
      const due = await group
        .storeGroup(chunk)
        .nextDue(chunk.tables, { leaseMs: options.leaseMs, types: this.host.servedTypes[group.dialect] });
      if (group.isCurrent(chunk) && this.groups.get(group.key) === group) group.onProbed(chunk, due, Date.now(), options);
    } catch (err) {
      if (group.isCurrent(chunk) && this.groups.get(group.key) === group) {
        const { wake, cooldownMs } = group.onProbeFailed(chunk, Date.now(), options);
        for (const tenant of wake) this.unpark(tenant);
        logger.warn(
          {
            probeGroup: shownKey(group.key), // dialect, host, port, database and user: no secret
            tenants: chunk.members.length,
            consecutiveFailures: group.consecutiveFailures,
            retryInMs: cooldownMs,
            err: redact(describeError(err)),
          },
          'readiness probe failed; its tenants poll on their own until it is retried',
        );
      }
    } finally {
      chunk.probing = false;
      this.dirty = true;
      this.probing -= 1;
    }
    this.host.onProbeSettled();
  }
}
