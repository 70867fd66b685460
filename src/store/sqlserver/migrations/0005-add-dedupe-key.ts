import { quoteLiteral } from '../quote-table';
import type { SqlServerMigration } from './types';

/**
 * DedupeKey NVARCHAR(255) NULL, guarded by COL_LENGTH. Uniqueness among messages not yet Completed
 * or DeadLetter is kept by the deduplicated enqueue itself (sql/enqueue-deduped.ts: an application
 * lock on the key, then look, then insert), not by a filtered unique index: a filtered index makes
 * every INSERT of a session without the ANSI SET options fail, which would break the article's
 * producers (see 0002). The plain (DedupeKey) index makes the look a seek.
 * Index created in the same batch as the column, never looked up by name (Babelfish mangles them).
 */
export const addDedupeKey: SqlServerMigration = {
  id: '0005-add-dedupe-key',
  statements: (table) => [
    `IF COL_LENGTH(${quoteLiteral(table)}, N'DedupeKey') IS NULL
BEGIN
  ALTER TABLE ${table} ADD DedupeKey NVARCHAR(255) NULL;
  EXEC (N'CREATE NONCLUSTERED INDEX [IX_QueueMessages_DedupeKey] ON ' + ${quoteLiteral(table)} + N' (DedupeKey)');
END;`,
  ],
};
