import { DECLARE_NOW, NOW_PLUS_DELAY } from '../sql-fragments';

/**
 * enqueue with a dedupe key (@dedupeKey, @lockResource): the parameters of enqueue.ts, inserted only
 * when no message with the key is Pending, Processing or Failed; returns [Id] (the new or the
 * existing message) and [Deduplicated].
 * Race-free through sp_getapplock on the key (@lockResource: table and key), owned by the
 * transaction: in the caller's transaction it is held until the caller commits, so a concurrent
 * producer with the same key waits and then finds the committed row; without one (@@TRANCOUNT 0)
 * the batch opens its own. (sp_getapplock works on Babelfish too, where table hints are ignored.)
 */
export function enqueueDedupedSql(table: string): string {
  return `${DECLARE_NOW}
SET XACT_ABORT ON;
DECLARE @own BIT = CASE WHEN @@TRANCOUNT = 0 THEN 1 ELSE 0 END;
IF @own = 1 BEGIN TRANSACTION;
DECLARE @lock INT;
EXEC @lock = sp_getapplock @Resource = @lockResource, @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = 30000;
IF @lock < 0 THROW 51000, N'tqw: could not lock the dedupe key', 1;
DECLARE @existing UNIQUEIDENTIFIER = (
  SELECT TOP (1) Id FROM ${table}
  WHERE DedupeKey = @dedupeKey AND Status NOT IN (N'Completed', N'DeadLetter'));
IF @existing IS NULL
  INSERT INTO ${table}
    (Id, TenantId, MessageType, Payload, ScheduledTime, ProcessingAttempts, Status, CorrelationId, CreatedAt, Priority, DedupeKey)
  VALUES
    (@id, @tenantId, @messageType, @payload, ${NOW_PLUS_DELAY}, 0, N'Pending', @correlationId, @now, @priority, @dedupeKey);
IF @own = 1 COMMIT TRANSACTION;
SELECT COALESCE(@existing, @id) AS [Id], CAST(CASE WHEN @existing IS NULL THEN 0 ELSE 1 END AS BIT) AS [Deduplicated];`;
}
