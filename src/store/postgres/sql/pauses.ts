/**
 * The pause switches of one tenant ("QueuePauses", migration 0008): $1 = the message type, '' for the
 * whole tenant. Pausing twice keeps the first PausedAt (ON CONFLICT DO NOTHING); both statements
 * RETURNING the row they changed tell the caller whether anything changed.
 */
export function pauseSql(pauses: string): string {
  return `INSERT INTO ${pauses} ("MessageType") VALUES ($1) ON CONFLICT ("MessageType") DO NOTHING RETURNING "MessageType"`;
}

export function resumeSql(pauses: string): string {
  return `DELETE FROM ${pauses} WHERE "MessageType" = $1 RETURNING "MessageType"`;
}

/** Every switch of the tenant, oldest first. */
export function pauseStateSql(pauses: string): string {
  return `SELECT "MessageType", "PausedAt" FROM ${pauses} ORDER BY "PausedAt", "MessageType"`;
}
