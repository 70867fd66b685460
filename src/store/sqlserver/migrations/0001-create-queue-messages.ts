import { quoteLiteral } from '../quote-table';
import type { SqlServerMigration } from './types';

/**
 * The article's table, column for column (names, types, nullability, defaults; SYSUTCDATETIME()
 * instead of the article's GETUTCDATE(): same UTC instant, full precision), created only when
 * missing. Named constraints (names are schema-scoped; one queue table per schema) so later
 * migrations can find them, and a CHECK that keeps Status to the five values the worker knows.
 *
 * The clustered key stays the article's: PRIMARY KEY CLUSTERED (Id). The alternative considered was
 * a NONCLUSTERED primary key with the table clustered on CreatedAt (ever-increasing, never updated:
 * inserts append instead of landing on random pages as NEWID() values do, so no page splits and
 * fragmentation, and retention deletes neighbouring rows). Rejected, because of what it does to
 * the statements that matter most:
 * - Every fenced write, the claim transaction's lock and getMessage find their row by Id. With Id
 *   clustered that is one clustered index seek that touches (and locks) exactly the row. With a
 *   nonclustered key it is a seek plus a key lookup, and for a table of a page or two (a queue
 *   that is drained and purged) SQL Server's costing prefers a clustered scan to seek + lookup. A
 *   scan under UPDLOCK (the claim transaction's lock) keeps a U lock on EVERY row it read until
 *   the transaction ends, and an UPDATE's scan waits on every row another transaction holds: the
 *   workers would serialise behind each other's handlers. Preventing that needs FORCESEEK on
 *   every such statement, which an UPDATE target does not accept (its hints are the limited set)
 *   and Babelfish ignores.
 * - The lease protection of a running claim transaction relies on the claim having to read the
 *   base row (see 0002): with Id clustered, the row the transaction locks is that base row.
 * - Applications that already created the article's table have exactly this layout, so there is
 *   one layout to reason about and to test, not two.
 * The cost, random inserts into the clustered index, is paid in page splits and fragmentation on
 * a table whose rows are short-lived; routine index maintenance (ALTER INDEX ... REORGANIZE)
 * handles it. (A DBA may switch the Id default to NEWSEQUENTIALID() for producers that rely on it.)
 *
 * No index from the article (TenantId, ScheduledTime, Status): its leading column is the same for
 * every row of a tenant's table and the claim does not filter by it; 0002 adds the claim's index.
 */
export const createQueueMessages: SqlServerMigration = {
  id: '0001-create-queue-messages',
  statements: (table) => [
    `IF OBJECT_ID(${quoteLiteral(table)}, N'U') IS NULL
CREATE TABLE ${table} (
  Id UNIQUEIDENTIFIER NOT NULL CONSTRAINT [DF_QueueMessages_Id] DEFAULT NEWID(),
  TenantId NVARCHAR(50) NOT NULL,
  MessageType NVARCHAR(255) NOT NULL,
  Payload NVARCHAR(MAX) NOT NULL,
  ScheduledTime DATETIMEOFFSET NOT NULL CONSTRAINT [DF_QueueMessages_ScheduledTime] DEFAULT SYSUTCDATETIME(),
  DequeueTime DATETIMEOFFSET NULL,
  ProcessingAttempts INT NOT NULL CONSTRAINT [DF_QueueMessages_ProcessingAttempts] DEFAULT 0,
  LastAttemptTime DATETIMEOFFSET NULL,
  Status NVARCHAR(50) NOT NULL CONSTRAINT [DF_QueueMessages_Status] DEFAULT N'Pending',
  ErrorMessage NVARCHAR(MAX) NULL,
  CorrelationId UNIQUEIDENTIFIER NULL,
  CreatedAt DATETIMEOFFSET NOT NULL CONSTRAINT [DF_QueueMessages_CreatedAt] DEFAULT SYSUTCDATETIME(),
  CONSTRAINT [PK_QueueMessages] PRIMARY KEY CLUSTERED (Id),
  CONSTRAINT [CK_QueueMessages_Status]
    CHECK (Status IN (N'Pending', N'Processing', N'Completed', N'Failed', N'DeadLetter'))
);`,
  ],
};
