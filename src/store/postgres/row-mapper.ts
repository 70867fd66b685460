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

/** The bind parameters of the fence ($n = id, $n+1 = DequeueTime, $n+2 = attempts) in statement order. */
export function fenceParams(fence: ClaimFence): [string, Date, number] {
  return [fence.id, fence.dequeueTime, fence.processingAttempts];
}
