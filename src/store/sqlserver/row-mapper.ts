import type { ClaimFence, ClaimedMessage, MessageStatus, QueueMessageRow } from '../types';

/**
 * A row as mssql/tedious returns it: an object keyed by column name. UNIQUEIDENTIFIER comes as a
 * string, DATETIMEOFFSET as a Date (UTC), INT as a number, NVARCHAR as a string.
 */
export type MssqlRow = Record<string, unknown>;

/**
 * Reads a column by name, ignoring case: SQL Server returns the names as the table defines them,
 * but Babelfish lower-cases some (OUTPUT columns without an alias), and an application's own table
 * may spell them differently (SQL Server's default collation is case-insensitive).
 */
export function column(row: MssqlRow, name: string): unknown {
  if (name in row) return row[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(row)) if (key.toLowerCase() === lower) return row[key];
  return undefined;
}

function text(row: MssqlRow, name: string): string {
  const value = column(row, name);
  if (typeof value !== 'string')
    throw new TypeError(`column ${name} is ${describe(value)}, expected text (store bug or foreign table shape)`);
  return value;
}

function optionalText(row: MssqlRow, name: string): string | null {
  const value = column(row, name);
  return value === null || value === undefined ? null : text(row, name);
}

/** UNIQUEIDENTIFIER: lower-cased, like PostgreSQL's uuid text and crypto.randomUUID(). */
function uuid(row: MssqlRow, name: string): string {
  return text(row, name).toLowerCase();
}

function optionalUuid(row: MssqlRow, name: string): string | null {
  const value = optionalText(row, name);
  return value === null ? null : value.toLowerCase();
}

function date(row: MssqlRow, name: string): Date {
  const value = column(row, name);
  if (!(value instanceof Date)) throw new TypeError(`column ${name} is ${describe(value)}, expected DATETIMEOFFSET`);
  return value;
}

function optionalDate(row: MssqlRow, name: string): Date | null {
  const value = column(row, name);
  return value === null || value === undefined ? null : date(row, name);
}

function int(row: MssqlRow, name: string): number {
  const value = column(row, name);
  if (typeof value !== 'number') throw new TypeError(`column ${name} is ${describe(value)}, expected INT`);
  return value;
}

function optionalInt(row: MssqlRow, name: string): number | null {
  const value = column(row, name);
  return value === null || value === undefined ? null : int(row, name);
}

function describe(value: unknown): string {
  return value === null ? 'NULL' : value === undefined ? 'missing' : typeof value;
}

/** PascalCase columns -> the dialect-neutral camelCase row. Extra columns (e.g. added by an app) are ignored. */
export function toQueueMessageRow(row: MssqlRow): QueueMessageRow {
  return {
    id: uuid(row, 'Id'),
    tenantId: text(row, 'TenantId'),
    messageType: text(row, 'MessageType'),
    payload: text(row, 'Payload'),
    scheduledTime: date(row, 'ScheduledTime'),
    dequeueTime: optionalDate(row, 'DequeueTime'),
    processingAttempts: int(row, 'ProcessingAttempts'),
    lastAttemptTime: optionalDate(row, 'LastAttemptTime'),
    // Our table's CHECK constraint keeps Status to the five values (an article table has none;
    // the worker treats an unknown status like any row it did not claim).
    status: text(row, 'Status') as MessageStatus,
    errorMessage: optionalText(row, 'ErrorMessage'),
    correlationId: optionalUuid(row, 'CorrelationId'),
    createdAt: date(row, 'CreatedAt'),
    // Absent on a table not yet migrated to priorities; NULL counts as 0.
    priority: optionalInt(row, 'Priority') ?? 0,
    // Absent on a table not yet migrated to snoozes.
    snoozeCount: optionalInt(row, 'SnoozeCount') ?? 0,
  };
}

/**
 * A row returned by the claim statement (Status is Processing and DequeueTime set by that
 * statement). `expiredId` is the claim's [TqwExpiredId] (sql/claim.ts), lower-cased: the one row it
 * may have taken over from an expired lease.
 */
export function toClaimedMessage(row: MssqlRow, expiredId: string | null): ClaimedMessage {
  const message = toQueueMessageRow(row);
  if (message.status !== 'Processing' || message.dequeueTime === null) {
    throw new Error(`claim returned message ${message.id} in state ${message.status} without a DequeueTime (store bug)`);
  }
  return { ...message, status: 'Processing', dequeueTime: message.dequeueTime, reclaimed: message.id === expiredId };
}

/** The [TqwExpiredId] of the claim's second result, lower-cased, or null (no expired lease found). */
export function expiredIdOf(recordset: readonly MssqlRow[] | undefined): string | null {
  const row = recordset?.[0];
  if (!row) throw new Error('claim returned no [TqwExpiredId] result (store bug: see sql/claim.ts)');
  const id = column(row, 'TqwExpiredId');
  return typeof id === 'string' ? id.toLowerCase() : null;
}

/** The OUTPUT of extend-lease: the claim's new fence. */
export function toFence(row: MssqlRow): ClaimFence {
  return {
    id: uuid(row, 'Id'),
    dequeueTime: date(row, 'DequeueTime'),
    processingAttempts: int(row, 'ProcessingAttempts'),
  };
}

/** The one-row `SELECT @@ROWCOUNT AS [RowCount]` that fenced writes end with. */
export function rowCountOf(recordset: readonly MssqlRow[] | undefined): number {
  const row = recordset?.[0];
  if (!row) throw new Error('statement returned no row count (store bug: it must end with SELECT @@ROWCOUNT)');
  return Number(column(row, 'RowCount'));
}

/** A numeric result column (COUNT is INT; DATEDIFF_BIG / 1000.0 is DECIMAL, which mssql returns as number). */
export function numberColumn(row: MssqlRow, name: string): number {
  return Number(column(row, name));
}
