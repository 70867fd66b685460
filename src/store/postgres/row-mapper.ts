import type { ClaimFence, ClaimedMessage, MessageStatus, QueueMessageRow } from '../types';
import { CLAIM_COLUMNS } from './sql/claim';

/**
 * A QueueMessages row as node-postgres returns it: quoted PascalCase column names; timestamptz
 * parsed to Date, uuid and text to string, integer to number (pg's default type parsers).
 */
export interface PgQueueRow {
  Id: string;
  TenantId: string;
  MessageType: string;
  Payload: string;
  ScheduledTime: Date;
  DequeueTime: Date | null;
  ProcessingAttempts: number;
  LastAttemptTime: Date | null;
  Status: string;
  ErrorMessage: string | null;
  CorrelationId: string | null;
  CreatedAt: Date;
  /** Absent on a table not yet migrated to priorities. */
  Priority?: number | null;
  /** Absent on a table not yet migrated to snoozes. */
  SnoozeCount?: number;
}

/** PascalCase columns -> the dialect-neutral camelCase row. Extra columns (e.g. added by an app) are ignored. */
export function toQueueMessageRow(r: PgQueueRow): QueueMessageRow {
  return {
    id: r.Id,
    tenantId: r.TenantId,
    messageType: r.MessageType,
    payload: r.Payload,
    scheduledTime: r.ScheduledTime,
    dequeueTime: r.DequeueTime,
    processingAttempts: r.ProcessingAttempts,
    lastAttemptTime: r.LastAttemptTime,
    // The CHECK constraint of our migration keeps Status to the five values.
    status: r.Status as MessageStatus,
    errorMessage: r.ErrorMessage,
    correlationId: r.CorrelationId,
    createdAt: r.CreatedAt,
    priority: r.Priority ?? 0,
    snoozeCount: r.SnoozeCount ?? 0,
  };
}

/**
 * A row of the claim statement as node-postgres returns it in rowMode 'array': its values in the
 * order of CLAIM_COLUMNS (sql/claim.ts).
 */
export type PgClaimedRow = unknown[];

/** Positions of the claim's columns in a PgClaimedRow. */
const C = Object.fromEntries(CLAIM_COLUMNS.map((name, i) => [name, i])) as Record<(typeof CLAIM_COLUMNS)[number], number>;

/**
 * Checks that a claim answer has exactly the columns of CLAIM_COLUMNS, in order (the positions
 * toClaimedMessage reads); throws a store bug otherwise.
 */
export function checkClaimColumns(fields: ReadonlyArray<{ name: string }>): void {
  if (fields.length === CLAIM_COLUMNS.length && fields.every((f, i) => f.name === CLAIM_COLUMNS[i])) return;
  throw new Error(`claim returned columns ${fields.map((f) => f.name).join(', ')}, expected ${CLAIM_COLUMNS.join(', ')} (store bug)`);
}

/**
 * A row returned by the claim statement: Status is Processing and LastAttemptTime equals
 * DequeueTime, both set by that statement, so it does not return them.
 */
export function toClaimedMessage(r: PgClaimedRow): ClaimedMessage {
  const dequeueTime = r[C.DequeueTime];
  if (!(dequeueTime instanceof Date)) {
    throw new Error(`claim returned message ${String(r[C.Id])} without a DequeueTime (store bug)`);
  }
  // Built directly (not via toQueueMessageRow + spread): claims map hundreds of rows per statement.
  return {
    id: r[C.Id] as string,
    tenantId: r[C.TenantId] as string,
    messageType: r[C.MessageType] as string,
    payload: r[C.Payload] as string,
    scheduledTime: r[C.ScheduledTime] as Date,
    dequeueTime,
    processingAttempts: r[C.ProcessingAttempts] as number,
    lastAttemptTime: dequeueTime,
    status: 'Processing',
    errorMessage: r[C.ErrorMessage] as string | null,
    correlationId: r[C.CorrelationId] as string | null,
    createdAt: r[C.CreatedAt] as Date,
    priority: r[C.Priority] as number,
    snoozeCount: r[C.SnoozeCount] as number,
    reclaimed: r[C.TqwReclaimed] === true,
  };
}

/** The bind parameters of the fence ($n = id, $n+1 = DequeueTime, $n+2 = attempts) in statement order. */
export function fenceParams(fence: ClaimFence): [string, Date, number] {
  return [fence.id, fence.dequeueTime, fence.processingAttempts];
}
