/**
 * Names of the indexes on the queue table, for `tqw check`. OBJECT_ID takes the bracket-quoted name as
 * a string literal (quotes doubled), resolved in the current database; a missing table gives no rows.
 */
export function listIndexesSql(table: string): string {
  return `SELECT name FROM sys.indexes WHERE object_id = OBJECT_ID(N'${table.replace(/'/g, "''")}') AND name IS NOT NULL;`;
}
