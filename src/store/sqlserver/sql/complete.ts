import { FENCE, SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * Marks a claim Completed (fence @id, @dequeueTime, @attempts). Run on the claim transaction when
 * the handler is transactional, so the handler's writes and Completed commit together
 * (exactly-once effect). ErrorMessage is cleared: a message that succeeded after retries is not an
 * error any more. The changed-row count is SELECTed (1 = done, 0 = lease lost: nothing changed).
 */
export function completeSql(table: string): string {
  return `UPDATE ${table} SET Status = N'Completed', ErrorMessage = NULL WHERE ${FENCE};
${SELECT_ROWCOUNT}`;
}
