import { IN_FENCES } from '../sql-fragments';

/**
 * completeMany() with StoreOptions.deleteOnCompletion: deletes a batch of claims in ONE statement
 * instead of marking them Completed (why DELETE: see complete-delete.ts). The same shape as
 * complete-many.ts: @fences is a JSON array of {"id", "dequeueTime", "attempts"} objects that
 * OPENJSON ... WITH turns into typed rows; each row is still checked against its own fence by the
 * correlated EXISTS, whose unqualified Id/DequeueTime/ProcessingAttempts are the target table's
 * columns (the OPENJSON columns are named Fence*), so the target needs no alias.
 * OUTPUT deleted.Id AS [Id] tells which fences matched (the others lost their lease); the store
 * reads these rows, not rowsAffected (Babelfish reports 0 for statements with OUTPUT; it runs
 * DELETE ... OUTPUT deleted.Id AS [Id], an aliased plain column).
 * ROWLOCK: key locks from the start, no page locks that would block claimers on neighbouring
 * rows. A batch is at most 1,000 fences (the worker's completion batcher), i.e. about one key lock
 * per row in the clustered index and one in the claim index: far below the ~5,000 locks at which
 * SQL Server escalates to a table lock (see purge.ts).
 * OPENJSON needs database compatibility level 130 (SQL Server 2016) or later.
 */
export function completeManyDeleteSql(table: string): string {
  return `DELETE FROM ${table} WITH (ROWLOCK)
OUTPUT deleted.Id AS [Id]
WHERE ${IN_FENCES};`;
}
