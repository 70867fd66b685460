/**
 * The error history of the messages in @ids (a JSON array of ids), oldest first per message:
 * `tqw show` and `tqw dead-letters list`. The (MessageId, Id) index answers it in order. Columns
 * aliased: Babelfish lower-cases unaliased result column names.
 */
export function errorHistorySql(errors: string): string {
  return `SELECT MessageId AS [MessageId], Attempt AS [Attempt], FailedAt AS [FailedAt],
  ErrorMessage AS [ErrorMessage], ErrorCode AS [ErrorCode]
FROM ${errors}
WHERE MessageId IN (SELECT CAST(value AS UNIQUEIDENTIFIER) FROM OPENJSON(@ids))
ORDER BY MessageId, Id;`;
}
