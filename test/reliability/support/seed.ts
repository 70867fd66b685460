/**
 * Producers' side: rows written with the plain INSERT an application runs (only Id, TenantId,
 * MessageType, Payload; the table's defaults give Pending, 0 attempts, ScheduledTime = now()).
 */
import { randomUUID } from 'node:crypto';
import type { Rng } from './rng';
import { withClient } from './sql';
import type { TenantDb } from './tenant-db';

export interface SeedMessage {
  id?: string;
  /** The row's TenantId; default the tenant's own id. */
  tenantId?: string;
  type: string;
  /** The Payload column as written (may be invalid JSON on purpose). */
  payload: string;
}

const CHUNK = 2_000;

/**
 * Inserts the messages as the administrator (a producer); returns their ids in order. `delayMs`
 * schedules them that far in the future (ScheduledTime = now() + delay), as `tqw enqueue --delay` does.
 */
export async function insertMessages(t: TenantDb, messages: readonly SeedMessage[], delayMs = 0): Promise<string[]> {
  const ids = messages.map((m) => m.id ?? randomUUID());
  await withClient(t.adminUrl, async (c) => {
    for (let from = 0; from < messages.length; from += CHUNK) {
      const chunk = messages.slice(from, from + CHUNK);
      // unnest: one statement per chunk instead of one round trip per row.
      await c.query(
        `INSERT INTO ${t.queueTable} ("Id", "TenantId", "MessageType", "Payload", "ScheduledTime")
         SELECT id, tenant, type, payload, now() + $5::double precision * interval '1 millisecond'
         FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::text[]) AS m(id, tenant, type, payload)`,
        [
          ids.slice(from, from + CHUNK),
          chunk.map((m) => m.tenantId ?? t.id),
          chunk.map((m) => m.type),
          chunk.map((m) => m.payload),
          delayMs,
        ],
      );
    }
  });
  return ids;
}

export interface WorkloadOptions {
  /** Share of RecordExt (non-transactional) messages; the rest are RecordTx. */
  extShare: number;
  /** Each message works 0..maxSleepMs (uniform), so handlers are in flight when faults hit. */
  maxSleepMs: number;
}

/** `count` RecordTx/RecordExt messages with random work times. */
export function workload(count: number, rng: Rng, { extShare, maxSleepMs }: WorkloadOptions): SeedMessage[] {
  return Array.from({ length: count }, (_, n) => ({
    type: rng.next() < extShare ? 'RecordExt' : 'RecordTx',
    payload: JSON.stringify({ n, sleepMs: rng.int(0, maxSleepMs) }),
  }));
}
