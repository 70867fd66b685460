import { IN_FENCES } from '../sql-fragments';

/**
 * Completes a batch of claims in ONE statement (non-transactional handlers finish in bursts).
 * @fences is a JSON array of {"id", "dequeueTime", "attempts"} objects: OPENJSON ... WITH turns
 * it into typed rows without a user-defined table type (a TVP would need DDL in every tenant
 * database). Each row is still checked against its own fence by the correlated EXISTS, whose
 * unqualified Id/DequeueTime/ProcessingAttempts are the updated table's columns (the OPENJSON
 * columns are named Fence*), so the target needs no alias: Babelfish rejects an aliased UPDATE.
 * OUTPUT inserted.Id AS [Id] tells which fences matched (the others lost their lease); the store
 * reads these rows, not rowsAffected (Babelfish reports 0 for statements with OUTPUT).
 * OPENJSON needs database compatibility level 130 (SQL Server 2016) or later.
 * OPENJSON ... WITH runs on Babelfish too (the contract suite runs this statement there).
 */
export function completeManySql(table: string): string {
  return `UPDATE ${table}
SET Status = N'Completed', ErrorMessage = NULL
OUTPUT inserted.Id AS [Id]
WHERE ${IN_FENCES};`;
}
