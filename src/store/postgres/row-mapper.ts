import type { ClaimFence, ClaimedMessage, MessageStatus, QueueMessageRow } from '../types';

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
  };
}

/** A row returned by the claim statement (sql/claim.ts names its columns). */
export type PgClaimedRow = Omit<PgQueueRow, 'Status' | 'LastAttemptTime' | 'DequeueTime'> & { DequeueTime: Date; TqwReclaimed?: boolean };

/**
 * A row returned by the claim statement: Status is Processing and LastAttemptTime equals
 * DequeueTime, both set by that statement, so it does not return them.
 */
export function toClaimedMessage(r: PgClaimedRow): ClaimedMessage {
  if (!(r.DequeueTime instanceof Date)) {
    throw new Error(`claim returned message ${r.Id} without a DequeueTime (store bug)`);
  }
  // Built directly (not via toQueueMessageRow + spread): claims map hundreds of rows per statement.
  return {
    id: r.Id,
    tenantId: r.TenantId,
    messageType: r.MessageType,
    payload: r.Payload,
    scheduledTime: r.ScheduledTime,
    dequeueTime: r.DequeueTime,
    processingAttempts: r.ProcessingAttempts,
    lastAttemptTime: r.DequeueTime,
    status: 'Processing',
    errorMessage: r.ErrorMessage,
    correlationId: r.CorrelationId,
    createdAt: r.CreatedAt,
    reclaimed: r.TqwReclaimed === true,
  };
}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The fences of completeMany as three PostgreSQL array literals ($1 uuid[], $2 timestamptz[],
 * $3 integer[]), written here rather than by node-postgres' generic array serialiser (which
 * escapes every element and formats Dates field by field): a flush carries hundreds of fences.
 * Every element is checked to need no quoting: a UUID, an ISO 8601 UTC time, an integer.
 */
export function fenceArrays(fences: readonly ClaimFence[]): [string, string, string] {
  const ids: string[] = [];
  const times: string[] = [];
  const attempts: string[] = [];
  // The messages of one claim share their DequeueTime: format each distinct time once.
  let lastMs = Number.NaN;
  let lastText = '';
  for (const f of fences) {
    if (!UUID_TEXT.test(f.id)) throw new TypeError(`fence id must be a UUID, got '${f.id}'`);
    if (!Number.isInteger(f.processingAttempts)) throw new RangeError(`fence processingAttempts of ${f.id} must be an integer`);
    ids.push(f.id);
    const ms = f.dequeueTime.getTime();
    if (ms !== lastMs) {
      lastText = f.dequeueTime.toISOString(); // throws RangeError on an invalid Date
      lastMs = ms;
    }
    times.push(lastText);
    attempts.push(String(f.processingAttempts));
  }
  return [`{${ids.join(',')}}`, `{${times.join(',')}}`, `{${attempts.join(',')}}`];
}

/** The bind parameters of the fence ($n = id, $n+1 = DequeueTime, $n+2 = attempts) in statement order. */
export function fenceParams(fence: ClaimFence): [string, Date, number] {
  return [fence.id, fence.dequeueTime, fence.processingAttempts];
}
