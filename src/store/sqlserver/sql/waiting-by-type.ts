/**
 * Pending and Failed messages by MessageType (the pending-by-type gauge and `tqw stats`): types no
 * running worker serves stay Pending and show here. The Status IN seeks the claim index's waiting
 * ranges only, never Completed history. [MessageType] and [Count] aliased: Babelfish lower-cases
 * unaliased result column names.
 */
export function waitingByTypeSql(table: string): string {
  return `SELECT MessageType AS [MessageType], COUNT(*) AS [Count] FROM ${table}
WHERE Status IN (N'Pending', N'Failed')
GROUP BY MessageType;`;
}
