/**
 * The error history of the messages $1 (uuid[]), oldest first per message: `tqw show` and
 * `tqw dead-letters list`. "IX_QueueMessageErrors_Message" (MessageId, Id) answers it in order.
 */
export function errorHistorySql(errors: string): string {
  return `SELECT "MessageId", "Attempt", "FailedAt", "ErrorMessage", "ErrorCode" FROM ${errors}
WHERE "MessageId" = ANY ($1::uuid[])
ORDER BY "MessageId", "Id"`;
}
