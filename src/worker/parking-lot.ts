import type { Logger } from 'pino';
import { describeError } from '../errors';
import { shownKey } from '../store/sharing-key';
import type { WorkerOptions } from './options';
import { ProbeGroup, type ProbeChunk } from './probe-group';
import type { TenantSlot } from './tenant-slot';

/** What the parking lot needs from the worker. */
export interface ParkingLotHost {
  options: WorkerOptions;
  logger: Logger;
  redact: (text: string) => string;
  /** Whether `slot` is still the worker's current slot for its tenant (not removed or replaced). */
  isCurrent(slot: TenantSlot): boolean;
  /** The tenant is claimed directly again (added to the worker's active round-robin). */
  activate(slot: TenantSlot): void;
  /** The tenant is left to its probe group (removed from the active round-robin). */
  deactivate(slot: TenantSlot): void;
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
  park(slot: TenantSlot, now: number, initial = false): boolean {
    const storeGroup = slot.store.group;
    const eligible = slot.state === 'up' || (initial && slot.state === 'starting');
    if (!storeGroup || !eligible || !this.host.isCurrent(slot)) return false;
    const { options } = this.host;
    let group = this.groups.get(storeGroup.key);
    if (!group) {
      group = new ProbeGroup(storeGroup.key, slot.store.dialect, options, () => {
        this.dirty = true;
      });
      this.groups.set(storeGroup.key, group);
    }
    if (!group.canPark(now)) return false;
    group.join(slot);
    slot.parked = true;
    slot.wakeAt = Infinity;
    if (!initial) this.host.deactivate(slot);
    group.onParked(slot, now, options);
    return true;
  }

  unpark(slot: TenantSlot): void {
    if (!slot.parked) return;
    slot.parked = false;
    slot.wakeAt = Infinity;
    slot.nextPollAt = Math.min(slot.nextPollAt, Date.now());
    this.groupOf(slot)?.onUnparked(slot);
    if (this.host.isCurrent(slot)) this.host.activate(slot);
  }

  /** A tenant failed: it leaves its probe group (it must not make the others' probe fail) and polls on its own. */
  leaveGroup(slot: TenantSlot): void {
    const group = this.groupOf(slot);
    if (!group) return;
    if (slot.parked) this.unpark(slot);
    this.leave(group, slot);
  }

  /** A tenant removed or replaced: out of its group, without being handed back to the worker. */
  remove(slot: TenantSlot): void {
    const group = this.groupOf(slot);
    if (group) {
      if (slot.parked) group.onUnparked(slot);
      this.leave(group, slot);
    }
    slot.parked = false;
  }

  /** The tenant's NOTIFY listener connected or dropped: its group's probe interval follows. */
  onListening(slot: TenantSlot, listening: boolean): void {
    const group = this.groupOf(slot);
    if (group?.has(slot)) group.onListening(slot, listening, Date.now(), this.host.options);
  }

  /** Our own retry of a message of a parked tenant: wake it at `at`, without waiting for a probe. */
  wakeAt(slot: TenantSlot, at: number): void {
    if (!slot.parked) return;
    slot.wakeAt = Math.min(slot.wakeAt, at);
    this.groupOf(slot)?.touch();
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
        for (const slot of group.dueMembers(now)) this.unpark(slot);
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

  private groupOf(slot: TenantSlot): ProbeGroup | undefined {
    const key = slot.store.group?.key;
    return key === undefined ? undefined : this.groups.get(key);
  }

  private leave(group: ProbeGroup, slot: TenantSlot): void {
    group.leave(slot);
    if (group.size === 0) this.groups.delete(group.key);
    this.dirty = true;
  }

  private async probe(group: ProbeGroup, chunk: ProbeChunk): Promise<void> {
    const { options, logger, redact } = this.host;
    chunk.probing = true;
    this.dirty = true;
    this.probing += 1;
    try {
      const due = await group.storeGroup(chunk).nextDue(chunk.tables, { leaseMs: options.leaseMs });
      if (group.isCurrent(chunk) && this.groups.get(group.key) === group) group.onProbed(chunk, due, Date.now(), options);
    } catch (err) {
      if (group.isCurrent(chunk) && this.groups.get(group.key) === group) {
        const { wake, cooldownMs } = group.onProbeFailed(chunk, Date.now(), options);
        for (const slot of wake) this.unpark(slot);
        logger.warn(
          {
            probeGroup: shownKey(group.key), // dialect, host, port, database and user: no secret
            tenants: chunk.members.length,
            consecutiveFailures: group.consecutiveFailures,
            retryInMs: cooldownMs,
            error: redact(describeError(err)),
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
