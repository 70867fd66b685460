import type { PostgresMigration } from './types';

/**
 * "DedupeKey" varchar(255) NULL: unique among messages not yet Completed or DeadLetter, through a
 * partial unique index, so enqueue({ dedupeKey }) can insert with ON CONFLICT ... DO NOTHING and
 * find the existing message instead (race-free: a concurrent insert of the same key waits for the
 * other transaction). Rows without a key (every producer that knows only the article's columns)
 * are outside the index and never conflict.
 */
export const addDedupeKey: PostgresMigration = {
  id: '0007-add-dedupe-key',
  statements: (table) => [
    `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS "DedupeKey" varchar(255) NULL`,
    `CREATE UNIQUE INDEX IF NOT EXISTS "UX_QueueMessages_DedupeKey" ON ${table} ("DedupeKey")
  WHERE "DedupeKey" IS NOT NULL AND "Status" NOT IN ('Completed', 'DeadLetter')`,
  ],
};
