/**
 * Names of the indexes on the tenant's queue table, for `tqw check`. $1 = the tenant's schema, or
 * NULL for the connection's current schema (public).
 */
export function listIndexesSql(_table: string): string {
  return `SELECT indexname FROM pg_indexes WHERE schemaname = COALESCE($1::text, current_schema()) AND tablename = 'QueueMessages'`;
}
