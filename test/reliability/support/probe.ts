/**
 * Reads a PostgreSQL tenant's state as the administrator: every message's final state and every
 * effect the transactional handler committed (the input of the invariant checker), and the counts
 * the scenarios wait on.
 */
import type { MessageStatus } from '../../../src/store/types';
import { query } from './sql';
import type { TenantDb } from './tenant-db';

export interface MessageState {
  id: string;
  /** The row's TenantId (may differ from the tenant on purpose). */
  rowTenantId: string;
  type: string;
  status: MessageStatus;
  attempts: number;
  error: string | null;
}

export interface EffectRow {
  messageId: string;
  pid: number;
  payloadBytes: number;
  at: Date;
}

export interface TenantSnapshot {
  tenant: string;
  messages: MessageState[];
  effects: EffectRow[];
}

export async function snapshotTenant(t: TenantDb): Promise<TenantSnapshot> {
  const messages = await query<{
    Id: string;
    TenantId: string;
    MessageType: string;
    Status: MessageStatus;
    ProcessingAttempts: number;
    ErrorMessage: string | null;
  }>(t.adminUrl, `SELECT "Id", "TenantId", "MessageType", "Status", "ProcessingAttempts", "ErrorMessage" FROM ${t.queueTable}`);
  const effects = await query<{ MessageId: string; Pid: number; PayloadBytes: number; At: Date }>(
    t.adminUrl,
    `SELECT "MessageId", "Pid", "PayloadBytes", "At" FROM ${t.effectsTable}`,
  );
  return {
    tenant: t.id,
    messages: messages.map((m) => ({
      id: m.Id,
      rowTenantId: m.TenantId,
      type: m.MessageType,
      status: m.Status,
      attempts: m.ProcessingAttempts,
      error: m.ErrorMessage,
    })),
    effects: effects.map((e) => ({ messageId: e.MessageId, pid: e.Pid, payloadBytes: e.PayloadBytes, at: e.At })),
  };
}

/** Messages not yet in a final state (Pending, Failed or Processing). */
export async function unsettledCount(t: TenantDb): Promise<number> {
  const [row] = await query<{ n: string }>(
    t.adminUrl,
    `SELECT count(*) AS n FROM ${t.queueTable} WHERE "Status" IN ('Pending', 'Failed', 'Processing')`,
  );
  return Number(row!.n);
}

export async function countByStatus(t: TenantDb): Promise<Record<string, number>> {
  const rows = await query<{ Status: string; n: string }>(
    t.adminUrl,
    `SELECT "Status", count(*) AS n FROM ${t.queueTable} GROUP BY "Status"`,
  );
  return Object.fromEntries(rows.map((r) => [r.Status, Number(r.n)]));
}

/** Ids of RecordExt messages in Processing now: a superset of what a fault at this moment interrupts. */
export async function processingExtIds(t: TenantDb): Promise<string[]> {
  const rows = await query<{ Id: string }>(
    t.adminUrl,
    `SELECT "Id" FROM ${t.queueTable} WHERE "Status" = 'Processing' AND "MessageType" = 'RecordExt'`,
  );
  return rows.map((r) => r.Id);
}

/** A claim as the table holds it (its fence). */
export interface HeldClaim {
  id: string;
  dequeueTime: number;
  attempts: number;
}

/** Every Processing row of the tenant with its fence: the claims held at this moment. */
export async function heldClaims(t: TenantDb): Promise<HeldClaim[]> {
  const rows = await query<{ Id: string; DequeueTime: Date; ProcessingAttempts: number }>(
    t.adminUrl,
    `SELECT "Id", "DequeueTime", "ProcessingAttempts" FROM ${t.queueTable} WHERE "Status" = 'Processing'`,
  );
  return rows.map((r) => ({ id: r.Id, dequeueTime: r.DequeueTime.getTime(), attempts: r.ProcessingAttempts }));
}

/** Of `claims`, those still Processing on that same claim (same fence): not settled, not reclaimed. */
export async function stillOnClaim(t: TenantDb, claims: readonly HeldClaim[]): Promise<HeldClaim[]> {
  if (claims.length === 0) return [];
  const now = new Map((await heldClaims(t)).map((c) => [c.id, c]));
  return claims.filter((c) => {
    const current = now.get(c.id);
    return current !== undefined && current.dequeueTime === c.dequeueTime && current.attempts === c.attempts;
  });
}
