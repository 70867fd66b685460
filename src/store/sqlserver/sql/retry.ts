import { DECLARE_NOW, FENCE, NOW_PLUS_DELAY, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * A failed attempt (fence @id, @dequeueTime, @attempts): Failed, due again at the database's now
 * plus the backoff (@delaySeconds + @delayMillis), with the error in ErrorMessage (@error).
 * Failed rows are due for the claim, so they ARE picked up again (unlike the article's sample,
 * which never retried them). The changed-row count is SELECTed (0 = lease lost).
 */
export function retrySql(table: string): string {
  return `${DECLARE_NOW}
UPDATE ${table}
SET Status = N'Failed', ScheduledTime = ${NOW_PLUS_DELAY}, ErrorMessage = @error
WHERE ${FENCE};
${SELECT_ROWCOUNT}`;
}
