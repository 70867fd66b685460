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

/** A row returned by the claim statement (Status is Processing and DequeueTime set by that statement). */
export function toClaimedMessage(r: PgQueueRow): ClaimedMessage {
  const row = toQueueMessageRow(r);
  if (row.status !== 'Processing' || row.dequeueTime === null) {
    throw new Error(`claim returned message ${row.id} in state ${row.status} without a DequeueTime (store bug)`);
  }
  return { ...row, status: 'Processing', dequeueTime: row.dequeueTime };
}

/** The bind parameters of the fence ($n = id, $n+1 = DequeueTime, $n+2 = attempts) in statement order. */
export function fenceParams(fence: ClaimFence): [string, Date, number] {
  return [fence.id, fence.dequeueTime, fence.processingAttempts];
}
