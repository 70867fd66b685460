import type { PostgresMigration } from './types';

/**
 * "QueuePauses": the tenant's pause switches (tqw pause / tqw resume), one row per paused message
 * type, "MessageType" = '' for the whole tenant (producers never write an empty type). It lives in
 * the tenant's own schema, so every replica's claim reads it (the claim and the readiness probe leave
 * paused work alone): pausing needs no message to any worker. A handful of rows at most, so no
 * index beyond the primary key. Additive: producers and older workers never touch it.
 */
export const createPauses: PostgresMigration = {
  id: '0008-create-pauses',
  statements: (_table, qualify) => [
    `CREATE TABLE IF NOT EXISTS ${qualify('QueuePauses')} (
  "MessageType" varchar(255) PRIMARY KEY,
  "PausedAt" timestamptz NOT NULL DEFAULT now()
)`,
  ],
};
