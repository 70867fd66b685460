import { DECLARE_NOW, FENCE } from '../sql-fragments';
import { appendErrorSql } from '../append-error';

/**
 * Gives up on a message (fence @id, @dequeueTime, @attempts): DeadLetter with the last error in
 * ErrorMessage (@error), appended to the error history with @code as in retry.ts. The claim never
 * picks DeadLetter rows, so the row stays until an operator requeues or purges it. The
 * changed-row count is SELECTed (0 = lease lost).
 */
export function deadLetterSql(table: string, errors: string): string {
  return `${DECLARE_NOW}
${appendErrorSql(errors, `UPDATE ${table} SET Status = N'DeadLetter', ErrorMessage = @error WHERE ${FENCE};`)}`;
}
