import type { PostgresMigration } from './types';

/**
 * "SnoozeCount" integer NOT NULL DEFAULT 0: how often handlers snoozed the message (returned
 * snooze(ms)), which the worker caps (worker.maxSnoozes). The default keeps producers that write
 * only the article's columns working; adding a column with a constant default rewrites no rows
 * (PostgreSQL 11+), so it is instant on a large table. No index: it is read with the row only.
 */
export const addSnoozeCount: PostgresMigration = {
  id: '0009-add-snooze-count',
  statements: (table) => [`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS "SnoozeCount" integer NOT NULL DEFAULT 0`],
};
