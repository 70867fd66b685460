/** One row by primary key (@id). Used by tests and the admin CLI. */
export function getMessageSql(table: string): string {
  return `SELECT * FROM ${table} WHERE Id = @id;`;
}
