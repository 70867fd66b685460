import { DECLARE_NOW, FENCE, NOW_PLUS_DELAY } from '../sql-fragments';
import { appendErrorSql } from '../append-error';

/**
 * A failed attempt (fence @id, @dequeueTime, @attempts): Failed, due again at the database's now
 * plus the backoff (@delaySeconds + @delayMillis), with the error in ErrorMessage (@error), and the
 * attempt's error (@error, @code) appended to the error history in the same transaction (only when
 * the fence matched). Failed rows are due for the claim, so they ARE picked up again (unlike the
 * article's sample, which never retried them). The changed-row count is SELECTed (0 = lease lost).
 */
export function retrySql(table: string, errors: string): string {
  return `${DECLARE_NOW}
${appendErrorSql(
  errors,
  `UPDATE ${table}
SET Status = N'Failed', ScheduledTime = ${NOW_PLUS_DELAY}, ErrorMessage = @error
WHERE ${FENCE};`,
)}`;
}
