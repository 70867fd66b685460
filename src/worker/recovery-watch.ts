import type { WorkerTenant } from './worker-tenant';

/**
 * How often a database that could not be reached is pinged, per probe group (one database, or one
 * SQL Server and login): a tenant whose database returns is claimed again, and its held outcomes are
 * written, within about this long of its return, whatever backoff its failures had reached.
 */
export const RECOVERY_PING_MS = 500;

interface Watched {
  tenants: Set<WorkerTenant>;
  timer: NodeJS.Timeout | undefined;
  next: number;
}

/**
 * Watches for the return of databases that could not be reached. A tenant joins when one of its
 * statements failed for that reason (a claim, an outcome write); its group (store.group.key) is then pinged every RECOVERY_PING_MS with ONE cheap statement through one of its
 * stores, and the first success (or any statement of a member succeeding, recovered()) hands every
 * member back to the worker (`onRecovered`): its backoff ends and its held outcomes are written.
 * Costs nothing while every database answers.
 */
export class RecoveryWatch {
  private readonly groups = new Map<string, Watched>();

  constructor(
    private readonly onRecovered: (tenants: WorkerTenant[]) => void,
    private readonly intervalMs: number = RECOVERY_PING_MS,
  ) {}

  /** Tenants being watched (for tests and diagnostics). */
  get size(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.tenants.size;
    return n;
  }

  /** A statement of `tenant` failed because its database could not be reached. */
  watch(tenant: WorkerTenant): void {
    const key = keyOf(tenant);
    let group = this.groups.get(key);
    if (!group) {
      group = { tenants: new Set(), timer: undefined, next: 0 };
      this.groups.set(key, group);
      this.arm(key, group);
    }
    group.tenants.add(tenant);
  }

  /** A statement of `tenant` succeeded: its database answers, so its whole group is recovered. */
  recovered(tenant: WorkerTenant): void {
    const key = keyOf(tenant);
    const group = this.groups.get(key);
    if (group) this.finish(key, group);
  }

  /** The tenant was removed or replaced. */
  remove(tenant: WorkerTenant): void {
    const key = keyOf(tenant);
    const group = this.groups.get(key);
    if (!group) return;
    group.tenants.delete(tenant);
    if (group.tenants.size === 0) {
      clearTimeout(group.timer);
      this.groups.delete(key);
    }
  }

  clear(): void {
    for (const group of this.groups.values()) clearTimeout(group.timer);
    this.groups.clear();
  }

  private arm(key: string, group: Watched): void {
    group.timer = setTimeout(() => void this.ping(key, group), this.intervalMs);
    group.timer.unref();
  }

  private async ping(key: string, group: Watched): Promise<void> {
    group.timer = undefined;
    if (this.groups.get(key) !== group || group.tenants.size === 0) return;
    // Round-robin over the members, so one tenant with a problem of its own (a dropped table) does
    // not hide the return of the database from the others.
    const members = [...group.tenants];
    const tenant = members[group.next++ % members.length] as WorkerTenant;
    try {
      await tenant.store.ping();
    } catch {
      if (this.groups.get(key) === group) this.arm(key, group);
      return;
    }
    if (this.groups.get(key) === group) this.finish(key, group);
  }

  private finish(key: string, group: Watched): void {
    clearTimeout(group.timer);
    this.groups.delete(key);
    this.onRecovered([...group.tenants]);
  }
}

function keyOf(tenant: WorkerTenant): string {
  return tenant.store.group.key;
}
