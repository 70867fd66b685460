import { PAUSES_TABLE, siblingTable } from '../../quote-table';

/**
 * The pause switches of many tenants in ONE statement (three-part names, as the probe; the worker's
 * view for /healthz, tqw_tenant_paused and the console, refreshed with the queue depth): a row
 * ([Index], MessageType) per switch that is on, [Index] in the order of `tables` (queue tables; each
 * one's [QueuePauses] beside it).
 */
export function pauseStatesSql(tables: readonly string[]): string {
  if (tables.length === 0) throw new RangeError('pauseStatesSql needs at least one table');
  return `${tables.map((table, index) => `SELECT ${index} AS [Index], MessageType FROM ${siblingTable(table, PAUSES_TABLE)}`).join('\nUNION ALL\n')};`;
}
