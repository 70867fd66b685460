import { asyncCommitCondition } from './async-commit';
import { FENCE } from './fence';

/**
 * Marks a claim Completed ($1..$3 fence). Run on the claim transaction's client when the handler is
 * transactional, so the handler's writes and Completed commit together (exactly-once effect).
 * ErrorMessage is cleared: a message that succeeded after retries is not an error any more.
 * 0 rows means the fence no longer matches (lease lost): nothing is changed.
 */
export function completeSql(table: string, asyncCommit = false): string {
  return `UPDATE ${table} SET "Status" = 'Completed', "ErrorMessage" = NULL WHERE ${FENCE}${asyncCommitCondition(asyncCommit)}`;
}
