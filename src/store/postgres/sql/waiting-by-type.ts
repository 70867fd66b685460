/**
 * Pending and Failed messages by MessageType (the pending-by-type gauge and `tqw stats`): types no
 * running worker serves stay Pending and show here. Reads the rows of "IX_QueueMessages_Due" (the
 * waiting ones only, never Completed history).
 */
export function waitingByTypeSql(table: string): string {
  return `SELECT "MessageType", count(*)::int AS "Count" FROM ${table}
WHERE "Status" IN ('Pending', 'Failed')
GROUP BY "MessageType"`;
}
