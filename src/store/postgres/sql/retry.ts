import { FENCE } from './fence';

/**
 * A failed attempt ($1..$3 fence): Failed, due again at the database's now() + $4 ms of backoff,
 * with the error in ErrorMessage ($5). Failed rows are in the claim's due index, so they ARE picked
 * up again once due (unlike the article's sample, which never retried them).
 */
export function retrySql(table: string): string {
  return `UPDATE ${table}
SET "Status" = 'Failed',
    "ScheduledTime" = now() + $4::double precision * interval '1 millisecond',
    "ErrorMessage" = $5::text
WHERE ${FENCE}`;
}
