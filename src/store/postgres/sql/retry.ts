import { FENCE } from './fence';

/**
 * A failed attempt ($1..$3 fence): Failed, due again at the database's now() + $4 ms of backoff,
 * with the error in ErrorMessage ($5), and the attempt's error ($5, code $6) appended to the error
 * history in the same statement (the INSERT reads the UPDATE's RETURNING: no history row unless
 * the fence matched; the row count is the INSERT's, 1 or 0). Failed rows are in the claim's due
 * index, so they ARE picked up again once due (unlike the article's sample, which never retried them).
 */
export function retrySql(table: string, errors: string): string {
  return `WITH failed AS (
  UPDATE ${table}
  SET "Status" = 'Failed',
      "ScheduledTime" = now() + $4::double precision * interval '1 millisecond',
      "ErrorMessage" = $5::text
  WHERE ${FENCE}
  RETURNING "Id", "ProcessingAttempts"
)
INSERT INTO ${errors} ("MessageId", "Attempt", "ErrorMessage", "ErrorCode")
SELECT "Id", "ProcessingAttempts", $5::text, $6::varchar FROM failed`;
}
