import { PAUSES_TABLE, quoteLiteral, siblingTable } from '../../quote-table';
import { notPausedCondition } from '../not-paused';
import { tablesPerStatement } from './limits';

/** Relations per table of the probe: the table, "IX_QueueMessages_Due", "IX_QueueMessages_Lease" and "QueuePauses". */
export const NEXT_DUE_TABLES_PER_STATEMENT = tablesPerStatement(3);

/**
 * The readiness probe of idle tenants: ONE statement for many tables of one database, instead of
 * one claim per tenant and poll interval. Returns a row ("Index", "DueInMs") for each table that
 * holds work: "DueInMs" is the time from the database's now() to its earliest due work (<= 0: due
 * now), from two index lookups per table:
 * - min("ScheduledTime") of Pending/Failed rows: the first entry of "IX_QueueMessages_Due"
 *   (PostgreSQL turns min() over an index into a one-row index-only scan, so a backlog of any size
 *   costs the same);
 * - min("DequeueTime") of Processing rows plus the lease: when the oldest lease expires
 *   (first entry of "IX_QueueMessages_Lease").
 * Paused work (the tenant's "QueuePauses", see not-paused.ts) is not work: a paused tenant reads as idle.
 * Tables without work return no row, so an idle database answers with an empty result.
 *
 * No bind parameters: the lease (an integer the caller checked) is a literal, so the statement
 * text of a chunk of tables never changes and it runs as a named prepared statement with one
 * cached generic plan (planning a 100-way UNION costs far more than running it; figures:
 * docs/performance.md, "Group statements"). The table names come
 * from quoteTable(). `types` (the worker's served types, fixed for its life) are literals too, for
 * the same reason: only work a claim of this worker would take counts.
 */
export function nextDueSql(tables: readonly string[], leaseMs: number, types?: readonly string[]): string {
  if (!Number.isInteger(leaseMs) || leaseMs < 0) throw new RangeError(`leaseMs must be an integer >= 0, got ${leaseMs}`);
  if (tables.length === 0) throw new RangeError('nextDueSql needs at least one table');
  const served = types === undefined ? '' : ` AND "MessageType" = ANY (${typeListLiteral(types)})`;
  const branches = tables.map((table, index) => {
    const runnable = `${served}\n    AND ${notPausedCondition(siblingTable(table, PAUSES_TABLE))}`;
    return `SELECT ${index} AS "Index",
  (SELECT min("ScheduledTime") FROM ${table} WHERE "Status" IN ('Pending', 'Failed')${runnable}) AS "Due",
  (SELECT min("DequeueTime") FROM ${table} WHERE "Status" = 'Processing'${runnable}) AS "Held"`;
  });
  return `SELECT "Index",
  (extract(epoch FROM least("Due", "Held" + interval '${leaseMs} milliseconds') - now()) * 1000)::double precision AS "DueInMs"
FROM (
${branches.join('\nUNION ALL\n')}
) AS work
WHERE "Due" IS NOT NULL OR "Held" IS NOT NULL`;
}

/** ARRAY['a', 'b']::text[] with each type as a quoted literal. */
function typeListLiteral(types: readonly string[]): string {
  return `ARRAY[${types.map(quoteLiteral).join(', ')}]::text[]`;
}
