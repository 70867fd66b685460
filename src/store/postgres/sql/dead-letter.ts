import { FENCE } from './fence';

/**
 * Gives up on a message ($1..$3 fence): DeadLetter with the last error in ErrorMessage ($4), and
 * that error (code $5) appended to the error history in the same statement (as retry.ts).
 * DeadLetter is in no claim index, so the row stays put until an operator requeues it.
 */
export function deadLetterSql(table: string, errors: string): string {
  return `WITH dead AS (
  UPDATE ${table} SET "Status" = 'DeadLetter', "ErrorMessage" = $4::text WHERE ${FENCE}
  RETURNING "Id", "ProcessingAttempts"
)
INSERT INTO ${errors} ("MessageId", "Attempt", "ErrorMessage", "ErrorCode")
SELECT "Id", "ProcessingAttempts", $4::text, $5::varchar FROM dead`;
}
