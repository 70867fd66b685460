/**
 * Health check: reads no row (LIMIT 0) but still fails when the table is missing or the role may not
 * read it, which is what "this tenant can work" means beyond an open connection.
 */
export function pingSql(table: string): string {
  return `SELECT 1 FROM ${table} LIMIT 0`;
}
