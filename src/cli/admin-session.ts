/**
 * What the admin commands (migrate, enqueue, check, stats, dead-letters) share: the loaded config
 * and tenant map, a logger on stderr, and stores opened on demand through one set of pools, all
 * closed when the command ends (so the process exits by itself).
 */
import type { Logger } from 'pino';
import { loadConfig, type TqwConfig } from '../config/load-config';
import { toNotifyOptions, toPoolOptions, toStoreOptions } from '../config/to-options';
import { UsageError } from '../errors';
import { createLogger } from '../log/logger';
import { StorePools, createStore } from '../store/create-store';
import type { QueueStore } from '../store/types';
import { loadTenants } from '../tenants/load-tenants';
import type { Tenant } from '../tenants/types';
import type { CommandContext } from './command';
import { mapSettledLimit } from './map-limit';
import { selectionEnv, type ConfigSelection } from './parse-args';

/** Tenants worked on at once by the per-tenant admin commands (migrate, check, stats). */
const TENANT_CONCURRENCY = 8;

/** What a per-tenant step gave for one tenant: its value, or its error already described and redacted. */
export type TenantOutcome<T> = { tenant: Tenant; ok: true; value: T } | { tenant: Tenant; ok: false; error: string };

export interface AdminSession {
  config: TqwConfig;
  tenants: readonly Tenant[];
  logger: Logger;
  /** The tenant with this id, or a UsageError listing the known ids. */
  tenant(id: string): Tenant;
  /** One tenant (`--tenant ID`) or all of them. */
  select(id: string | undefined): Tenant[];
  /** The tenant's store (opened once per session, closed with it). */
  store(tenant: Tenant): QueueStore;
  /**
   * Runs `fn` with one tenant (`--tenant ID`) and its store; an error it throws is rethrown with the
   * tenant and its table named, so `tqw: ...` says where it happened.
   */
  forTenant<T>(id: string, fn: (tenant: Tenant, store: QueueStore) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` for one tenant (`--tenant ID`) or all of them, a few at a time; one tenant failing does not
   * stop the others. Results are in tenant-map order.
   */
  eachTenant<T>(id: string | undefined, fn: (tenant: Tenant, store: QueueStore) => Promise<T>): Promise<Array<TenantOutcome<T>>>;
}

export async function withAdminSession<T>(
  ctx: CommandContext,
  selection: ConfigSelection,
  fn: (session: AdminSession) => Promise<T>,
): Promise<T> {
  const { io, redactor } = ctx;
  const env = selectionEnv(selection, io.env, io.cwd);
  const config = loadConfig({ configFile: selection.config, env, cwd: io.cwd });
  const tenants = loadTenants(config.tenants.file, env);
  redactor.setSecrets(tenants.map((t) => t.connectionString));
  const logger = createLogger({ level: config.log.level, destination: io.logDestination(), redactor, base: { component: 'cli' } });
  const pools = new StorePools(toPoolOptions(config), toNotifyOptions(config), toStoreOptions(config));
  const stores = new Map<string, QueueStore>();

  const tenant = (id: string): Tenant => {
    const found = tenants.find((t) => t.id === id);
    if (found) return found;
    const known = tenants
      .slice(0, 10)
      .map((t) => t.id)
      .join(', ');
    throw new UsageError(
      `tenant '${id}' is not in ${config.tenants.file}` +
        (tenants.length === 0 ? ' (it lists no tenants)' : ` (tenants: ${known}${tenants.length > 10 ? ', ...' : ''})`),
    );
  };

  const storeFor = (t: Tenant): QueueStore => {
    let store = stores.get(t.id);
    if (!store) {
      store = createStore(t, pools);
      stores.set(t.id, store);
    }
    return store;
  };
  const select = (id: string | undefined): Tenant[] => (id === undefined ? [...tenants] : [tenant(id)]);

  const session: AdminSession = {
    config,
    tenants,
    logger,
    tenant,
    select,
    store: storeFor,
    async forTenant(id, fn) {
      const t = tenant(id);
      const store = storeFor(t);
      try {
        return await fn(t, store);
      } catch (err) {
        throw new Error(`tenant '${t.id}' (${store.tableName}, ${t.redactedConnection}): ${redactor.describe(err)}`, { cause: err });
      }
    },
    async eachTenant(id, fn) {
      const selected = select(id);
      const outcomes = await mapSettledLimit(selected, TENANT_CONCURRENCY, (t) => fn(t, storeFor(t)));
      return outcomes.map((outcome, i) => {
        const t = selected[i] as Tenant;
        return outcome.status === 'fulfilled'
          ? { tenant: t, ok: true as const, value: outcome.value }
          : { tenant: t, ok: false as const, error: redactor.describe(outcome.reason) };
      });
    },
  };
  try {
    return await fn(session);
  } finally {
    await Promise.allSettled([...stores.values()].map((s) => s.close()));
    await pools.closeAll();
    logger.flush();
  }
}
