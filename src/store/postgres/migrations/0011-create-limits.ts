import type { PostgresMigration } from './types';

/**
 * "QueueLimits": the token buckets of the tenant's rate limits (the tenants file's `limits`), one row
 * per scope ("Scope" '' = the whole tenant, else a message type): tokens left at "UpdatedAt". Every
 * replica's limited claim locks and rewrites these rows in its transaction, so the rate holds for all
 * of them together. A few rows, so no index beyond the primary key. Additive: nothing else uses it.
 */
export const createLimits: PostgresMigration = {
  id: '0011-create-limits',
  statements: (_table, qualify) => [
    `CREATE TABLE IF NOT EXISTS ${qualify('QueueLimits')} (
  "Scope" varchar(255) PRIMARY KEY,
  "Tokens" double precision NOT NULL,
  "UpdatedAt" timestamptz NOT NULL DEFAULT now()
)`,
  ],
};
