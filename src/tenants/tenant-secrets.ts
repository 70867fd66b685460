import { connectionSecrets } from './connection-string';
import type { Tenant } from './types';

/** Every secret of a tenant map (passwords of every connection string), for the log redactor. */
export function tenantSecrets(tenants: Iterable<Tenant>): string[] {
  const secrets = new Set<string>();
  for (const tenant of tenants) {
    for (const secret of connectionSecrets(tenant.connectionString)) secrets.add(secret);
  }
  return [...secrets];
}
