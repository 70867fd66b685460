import { PAUSES_TABLE, siblingTable } from '../../quote-table';
import { tablesPerStatement } from './limits';

/** Relations per table: its "QueuePauses" (read whole: a few rows). */
export const PAUSE_STATES_TABLES_PER_STATEMENT = tablesPerStatement(0);

/**
 * The pause switches of many tenants of one database in ONE statement (the worker's view for
 * /healthz, tqw_tenant_paused and the console, refreshed with the queue depth): a row
 * ("Index", "MessageType") per switch that is on, "Index" in the order of `tables` (queue tables;
 * each one's "QueuePauses" beside it). No parameters: the text of a chunk never changes.
 */
export function pauseStatesSql(tables: readonly string[]): string {
  if (tables.length === 0) throw new RangeError('pauseStatesSql needs at least one table');
  return tables
    .map((table, index) => `SELECT ${index} AS "Index", "MessageType" FROM ${siblingTable(table, PAUSES_TABLE)}`)
    .join('\nUNION ALL\n');
}
