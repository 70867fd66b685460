/**
 * The pause switches of one tenant ([QueuePauses], migration 0006): @messageType = the type, N'' for
 * the whole tenant. Pausing twice keeps the first PausedAt (insert only where absent; a concurrent
 * pause's duplicate key is taken as "already paused" by the store). Both end with the row count, so
 * the caller knows whether anything changed.
 */
export function pauseSql(pauses: string): string {
  return `INSERT INTO ${pauses} (MessageType)
SELECT @messageType WHERE NOT EXISTS (SELECT 1 FROM ${pauses} WHERE MessageType = @messageType);
SELECT @@ROWCOUNT AS [RowCount];`;
}

export function resumeSql(pauses: string): string {
  return `DELETE FROM ${pauses} WHERE MessageType = @messageType;
SELECT @@ROWCOUNT AS [RowCount];`;
}

/** Every switch of the tenant, oldest first. */
export function pauseStateSql(pauses: string): string {
  return `SELECT MessageType, PausedAt FROM ${pauses} ORDER BY PausedAt, MessageType;`;
}
