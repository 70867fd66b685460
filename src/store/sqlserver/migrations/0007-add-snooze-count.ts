import { quoteLiteral } from '../quote-table';
import type { SqlServerMigration } from './types';

/**
 * SnoozeCount INT NOT NULL with a named default of 0: how often handlers snoozed the message
 * (returned snooze(ms)), which the worker caps (worker.maxSnoozes). The default keeps producers that
 * write only the article's columns working and fills the existing rows. Guarded by COL_LENGTH (no
 * object names looked up: Babelfish mangles them); the constraint is named like 0001's (names are
 * schema-scoped; one queue table per schema).
 */
export const addSnoozeCount: SqlServerMigration = {
  id: '0007-add-snooze-count',
  statements: (table) => [
    `IF COL_LENGTH(${quoteLiteral(table)}, N'SnoozeCount') IS NULL
ALTER TABLE ${table} ADD SnoozeCount INT NOT NULL CONSTRAINT [DF_QueueMessages_SnoozeCount] DEFAULT 0;`,
  ],
};
