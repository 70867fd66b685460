import { tablesPerStatement } from './limits';

/** Relations per table: the table, "IX_QueueMessages_Due", "IX_QueueMessages_Lease", "IX_QueueMessages_DeadLetter". */
export const DEPTH_TABLES_PER_STATEMENT = tablesPerStatement(3);

/**
 * depth() of many tables of one database in ONE statement (the queue_depth gauge of a thousand
 * tenants costs one statement per chunk and refresh, not one per tenant): one row per table,
 * "Index" in the order given. Each count names one status with a literal, so it is answered from
 * that status's partial index, exactly as depth.ts explains. No parameters: the text of a chunk
 * never changes, so it runs as a prepared statement.
 */
export function depthManySql(tables: readonly string[]): string {
  if (tables.length === 0) throw new RangeError('depthManySql needs at least one table');
  return tables
    .map(
      (table, index) => `SELECT ${index} AS "Index",
  (SELECT count(*) FROM ${table} WHERE "Status" = 'Pending') AS "Pending",
  (SELECT count(*) FROM ${table} WHERE "Status" = 'Processing') AS "Processing",
  (SELECT count(*) FROM ${table} WHERE "Status" = 'Failed') AS "Failed",
  (SELECT count(*) FROM ${table} WHERE "Status" = 'DeadLetter') AS "DeadLetter"`,
    )
    .join('\nUNION ALL\n');
}
