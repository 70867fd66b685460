/** One row by primary key ($1). Used by tests and the admin CLI. */
export function getMessageSql(table: string): string {
  return `SELECT * FROM ${table} WHERE "Id" = $1::uuid`;
}
