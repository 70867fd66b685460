import { asyncCommitCondition } from './async-commit';
import { FENCE_ROWS, MATCHES_FENCE_ROW } from './fence';

/**
 * Completes a batch of claims in ONE statement (non-transactional handlers finish in bursts).
 * $1 uuid[], $2 timestamptz[], $3 integer[] are parallel arrays of fences; unnest zips them into rows
 * joined to the table by primary key, each row still checked against its own fence. RETURNING "Id"
 * tells which fences matched (the others lost their lease).
 * The status check's form (fence.ts) makes the plan a nested loop over the fences with one
 * primary-key lookup each, also as the generic plan of the prepared statement at any table size.
 * Figures: docs/performance.md, "The batched completion's plan".
 */
export function completeManySql(table: string, asyncCommit = false): string {
  return `UPDATE ${table} AS q
SET "Status" = 'Completed', "ErrorMessage" = NULL
FROM ${FENCE_ROWS}
WHERE ${MATCHES_FENCE_ROW}${asyncCommitCondition(asyncCommit)}
RETURNING q."Id"`;
}
