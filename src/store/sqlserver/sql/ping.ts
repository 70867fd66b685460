/**
 * Health check: returns no row (TOP (0)) but still fails when the table is missing or the login
 * may not read it, which is what "this tenant can work" means beyond an open connection.
 */
export function pingSql(table: string): string {
  return `SELECT TOP (0) Id FROM ${table};`;
}
