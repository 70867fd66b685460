import { IN_FENCES } from '../sql-fragments';

/**
 * completeMany() with StoreOptions.deleteOnCompletion: deletes a batch of claims in ONE statement
 * (why DELETE: complete-delete.ts), shaped as complete-many.ts: @fences, a JSON array, becomes typed
 * rows (OPENJSON), each row checked against its own fence. OUTPUT deleted.Id AS [Id] tells which
 * fences matched; the store reads those rows, not rowsAffected (Babelfish reports 0 with OUTPUT).
 * ROWLOCK: key locks only, never page locks that block claimers; a batch (at most 1,000 fences) stays
 * far below the ~5,000 locks at which SQL Server escalates to a table lock. Needs compatibility 130+.
 */
export function completeManyDeleteSql(table: string): string {
  return `DELETE FROM ${table} WITH (ROWLOCK)
OUTPUT deleted.Id AS [Id]
WHERE ${IN_FENCES};`;
}
