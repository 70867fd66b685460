import { asyncCommitCondition } from './async-commit';
import { FENCE_ROWS, MATCHES_FENCE_ROW } from './fence';

/**
 * completeMany() with StoreOptions.deleteOnCompletion: deletes a batch of claims in ONE statement
 * instead of marking them Completed (why DELETE: see complete-delete.ts). The same shape as
 * complete-many.ts: $1 uuid[], $2 timestamptz[], $3 integer[] are parallel arrays of fences that
 * unnest zips into rows, joined (USING) to the table by primary key, each row still checked
 * against its own fence; RETURNING "Id" tells which fences matched (the others lost their lease).
 * The status check keeps the form that stops the planner from scanning "IX_QueueMessages_Lease"
 * (see fence.ts): the plan is a nested loop over the fences with one primary-key lookup each,
 * exactly as for the UPDATE (checked with EXPLAIN on PostgreSQL 18, 50,000 Completed rows analyzed
 * before 1,000 were claimed, 100 fences: Nested Loop, Function Scan on unnest, Index Scan using
 * "PK_QueueMessages"; with the plain equality the DELETE, like the UPDATE, gets a Hash Join over
 * "IX_QueueMessages_Lease"). test/store/postgres-store.test.ts pins this plan. On a small table
 * (about 20,000 rows or fewer) the planner picks one sequential scan and a hash join instead, for
 * the UPDATE and the DELETE alike.
 * The store runs it as a prepared statement (where few tables share the pool): after five runs
 * PostgreSQL uses the generic plan, which estimates unnest at 10 rows and is this nested loop
 * whatever the table size (checked with plan_cache_mode = force_generic_plan at 5,000 and 200,000
 * rows), so the small-table hash join of a freshly planned statement does not occur there.
 */
export function completeManyDeleteSql(table: string, asyncCommit = false): string {
  return `DELETE FROM ${table} AS q
USING ${FENCE_ROWS}
WHERE ${MATCHES_FENCE_ROW}${asyncCommitCondition(asyncCommit)}
RETURNING q."Id"`;
}
