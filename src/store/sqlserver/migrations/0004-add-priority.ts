import { quoteLiteral } from '../quote-table';
import type { SqlServerMigration } from './types';

/**
 * Priority INT NULL (NULL counts as 0, higher first): a new, nullable column, so producers that
 * write only the article's columns keep working, and older workers ignore it. Guarded by
 * COL_LENGTH (no index names looked up: Babelfish mangles them). No new index: the claim keeps
 * seeking the (Status, ScheduledTime) ranges of due rows and sorts those by priority (a top-N
 * sort, whose cost grows with the due backlog, not with history).
 */
export const addPriority: SqlServerMigration = {
  id: '0004-add-priority',
  statements: (table) => [
    `IF COL_LENGTH(${quoteLiteral(table)}, N'Priority') IS NULL
ALTER TABLE ${table} ADD Priority INT NULL;`,
  ],
};
