/**
 * Wraps a fenced UPDATE (retry, dead-letter) so the failed attempt's error (@error, @code; attempt
 * @attempts, time @now) is appended to the error history in the same transaction, only when the
 * fence matched; then SELECTs the UPDATE's row count as [RowCount] (params.ts rowCountOf).
 * XACT_ABORT: any error rolls both back. (Kept out of ./sql: it is a fragment, not a statement.)
 */
export function appendErrorSql(errors: string, fencedUpdate: string): string {
  return `SET XACT_ABORT ON;
BEGIN TRANSACTION;
${fencedUpdate}
DECLARE @changed INT = @@ROWCOUNT;
IF @changed = 1
  INSERT INTO ${errors} (MessageId, Attempt, FailedAt, ErrorMessage, ErrorCode)
  VALUES (@id, @attempts, @now, @error, @code);
COMMIT TRANSACTION;
SELECT @changed AS [RowCount];`;
}
