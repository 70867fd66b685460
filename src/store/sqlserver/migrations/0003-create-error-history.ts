import { quoteLiteral } from '../quote-table';
import type { SqlServerMigration } from './types';

/**
 * [QueueMessageErrors]: one row per failed attempt (its number, time, error text and code), so
 * ErrorMessage (the last error only) no longer loses earlier attempts' errors.
 * - Id IDENTITY primary key: attempt numbers repeat after a requeue (attempts reset to 0).
 * - FOREIGN KEY ... ON DELETE CASCADE: whatever deletes a message (retention, deleteOnCompletion,
 *   an operator) deletes its history in the same statement, found through the (MessageId, Id)
 *   index that the history is read by too (tqw show).
 * - Table and index are created in one batch guarded by OBJECT_ID only: Babelfish reports mangled
 *   index names in sys.indexes, so the index is never looked up by name.
 * Additive: producers and older workers never touch it.
 */
export const createErrorHistory: SqlServerMigration = {
  id: '0003-create-error-history',
  statements: (table, qualify) => {
    const errors = qualify('QueueMessageErrors');
    return [
      `IF OBJECT_ID(${quoteLiteral(errors)}, N'U') IS NULL
BEGIN
  CREATE TABLE ${errors} (
    Id BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT [PK_QueueMessageErrors] PRIMARY KEY,
    MessageId UNIQUEIDENTIFIER NOT NULL
      CONSTRAINT [FK_QueueMessageErrors_Message] REFERENCES ${table} (Id) ON DELETE CASCADE,
    Attempt INT NOT NULL,
    FailedAt DATETIMEOFFSET(3) NOT NULL,
    ErrorMessage NVARCHAR(MAX) NOT NULL,
    ErrorCode NVARCHAR(100) NULL
  );
  CREATE NONCLUSTERED INDEX [IX_QueueMessageErrors_Message] ON ${errors} (MessageId, Id);
END;`,
    ];
  },
};
