/**
 * The key columns of every index on the queue table, for `tqw check`, which recognises indexes by
 * their leading keys (see index-keys.ts: Babelfish reads index names back mangled). OBJECT_ID takes
 * the bracket-quoted name as a string literal (quotes doubled), resolved in the current database; a
 * missing table gives no rows. key_ordinal 0 marks INCLUDE columns, which are not keys.
 */
export function listIndexesSql(table: string): string {
  return `SELECT index_id AS [IndexId], key_ordinal AS [KeyOrdinal], COL_NAME(object_id, column_id) AS [ColumnName]
FROM sys.index_columns
WHERE object_id = OBJECT_ID(N'${table.replace(/'/g, "''")}') AND key_ordinal > 0;`;
}
