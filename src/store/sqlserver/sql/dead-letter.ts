import { FENCE, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * Gives up on a message (fence @id, @dequeueTime, @attempts): DeadLetter with the last error in
 * ErrorMessage (@error). The claim never picks DeadLetter rows, so the row stays until an operator
 * requeues or purges it. The changed-row count is SELECTed (0 = lease lost).
 */
export function deadLetterSql(table: string): string {
  return `UPDATE ${table} SET Status = N'DeadLetter', ErrorMessage = @error WHERE ${FENCE};
${SELECT_ROWCOUNT}`;
}
