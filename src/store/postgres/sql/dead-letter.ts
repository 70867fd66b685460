import { FENCE } from './fence';

/**
 * Gives up on a message ($1..$3 fence): DeadLetter with the last error in ErrorMessage ($4).
 * DeadLetter is in no claim index, so the row stays put until an operator requeues it.
 */
export function deadLetterSql(table: string): string {
  return `UPDATE ${table} SET "Status" = 'DeadLetter', "ErrorMessage" = $4::text WHERE ${FENCE}`;
}
