/** Reading /healthz of the fleet's processes: each tenant's state as each process sees it. */
import { sleep, type WorkerFleet, type WorkerInstance } from './fleet';

export interface TenantHealth {
  id: string;
  state: string;
  consecutiveFailures: number;
  inflight: number;
  lastError: string | null;
}

export async function tenantHealth(fleet: WorkerFleet, instance: WorkerInstance): Promise<TenantHealth[]> {
  const { body } = await fleet.get(instance, '/healthz');
  return (JSON.parse(body) as { tenants: TenantHealth[] }).tenants;
}

/** Waits until every live process reports the tenant in `state`; returns what each reported. */
export async function waitForTenantState(fleet: WorkerFleet, tenantId: string, state: string, timeoutMs = 60_000): Promise<TenantHealth[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen: TenantHealth[] = [];
    for (const instance of fleet.live()) {
      const t = (await tenantHealth(fleet, instance).catch(() => [])).find((x) => x.id === tenantId);
      if (t) seen.push(t);
    }
    if (seen.length === fleet.live().length && seen.every((t) => t.state === state)) return seen;
    if (Date.now() > deadline) {
      // What each process did with the tenant map, for the failure message.
      const reloads = fleet.instances.map(
        (i) => `${i.label}: ${JSON.stringify(i.daemon.lines.filter((l) => /tenants file|tenant map/.test(String(l.msg))))}`,
      );
      throw new Error(
        `tenant ${tenantId} not '${state}' in every process after ${timeoutMs} ms: ${JSON.stringify(seen)}\n${reloads.join('\n')}`,
      );
    }
    await sleep(100);
  }
}
