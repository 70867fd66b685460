import type { StoreOptions } from '../store/types';
import type { Tenant } from '../tenants/types';

/**
 * Store options that some tenants of the map do not honour, as one warning each: db.asyncCommit
 * is PostgreSQL's synchronous_commit per statement; SQL Server has no per-statement equivalent
 * (its delayed durability is a database setting: ALTER DATABASE ... SET DELAYED_DURABILITY), so its
 * tenants keep committing durably.
 */
export function ignoredStoreOptions(
  options: StoreOptions,
  tenants: readonly Tenant[],
): Array<{ option: string; tenants: string[]; why: string }> {
  const sqlServer = tenants.filter((t) => t.dialect === 'sqlserver').map((t) => t.id);
  if (!options.asyncCommit || sqlServer.length === 0) return [];
  return [
    {
      option: 'db.asyncCommit',
      tenants: sqlServer,
      why: 'db.asyncCommit applies to PostgreSQL tenants only; these SQL Server tenants commit durably (delayed durability is a database setting there: ALTER DATABASE ... SET DELAYED_DURABILITY)',
    },
  ];
}
