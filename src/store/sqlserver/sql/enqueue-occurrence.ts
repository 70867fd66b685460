import { DECLARE_NOW, NOW_PLUS_DELAY } from '../sql-fragments';

/**
 * One occurrence of a schedule in one transaction: the parameters of enqueue.ts (the message),
 * @schedule, @occurrence, @enqueue (BIT: insert the message or only record the occurrence).
 * - The UPDATE moves the schedule's LastOccurrence forward only if it was earlier; its row lock
 *   makes a replica sending the same occurrence wait, re-read the committed row and update nothing:
 *   exactly one replica advances (row locks of UPDATE hold on Babelfish too).
 * - No row (a new schedule): one is written at this occurrence and nothing is inserted (no
 *   backfill). Two replicas seeding at once: the loser fails on the primary key (2627/2601), which
 *   XACT_ABORT rolls back whole and the store reads as "already handled".
 * - The message only after advancing, insert-if-absent as enqueue-if-absent.ts.
 * Returns [Seeded], [Advanced], [Inserted] (0 or 1 each).
 */
export function enqueueOccurrenceSql(table: string, schedules = '[QueueSchedules]'): string {
  return `${DECLARE_NOW}
SET XACT_ABORT ON;
DECLARE @seeded INT = 0;
DECLARE @advanced INT = 0;
DECLARE @inserted INT = 0;
BEGIN TRANSACTION;
UPDATE ${schedules} SET LastOccurrence = @occurrence, UpdatedAt = @now
WHERE Name = @schedule AND LastOccurrence < @occurrence;
SET @advanced = @@ROWCOUNT;
IF @advanced = 0
BEGIN
  INSERT INTO ${schedules} (Name, LastOccurrence, UpdatedAt)
  SELECT @schedule, @occurrence, @now
  WHERE NOT EXISTS (SELECT 1 FROM ${schedules} WHERE Name = @schedule);
  SET @seeded = @@ROWCOUNT;
END;
IF @advanced = 1 AND @enqueue = 1
BEGIN
  INSERT INTO ${table}
    (Id, TenantId, MessageType, Payload, ScheduledTime, ProcessingAttempts, Status, CorrelationId, CreatedAt, Priority)
  SELECT @id, @tenantId, @messageType, @payload, ${NOW_PLUS_DELAY}, 0, N'Pending', @correlationId, @now, @priority
  WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE Id = @id);
  SET @inserted = @@ROWCOUNT;
END;
COMMIT TRANSACTION;
SELECT @seeded AS [Seeded], @advanced AS [Advanced], @inserted AS [Inserted];`;
}
