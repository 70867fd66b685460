import { asyncCommitCondition } from './async-commit';
import { FENCE_ROWS, MATCHES_FENCE_ROW } from './fence';

/**
 * completeMany() with StoreOptions.deleteOnCompletion: deletes a batch of claims in ONE statement
 * (why DELETE: complete-delete.ts), shaped as complete-many.ts: the fence arrays unnest into rows
 * joined (USING) by primary key, each checked against its own fence; RETURNING "Id" tells which
 * fences matched. The status check's form (fence.ts) keeps the plan a nested loop of primary-key
 * lookups, as for the UPDATE, also as the prepared statement's generic plan
 * (test/store/postgres-store.test.ts pins it). Plans: docs/performance.md, "The batched completion's plan".
 */
export function completeManyDeleteSql(table: string, asyncCommit = false): string {
  return `DELETE FROM ${table} AS q
USING ${FENCE_ROWS}
WHERE ${MATCHES_FENCE_ROW}${asyncCommitCondition(asyncCommit)}
RETURNING q."Id"`;
}
