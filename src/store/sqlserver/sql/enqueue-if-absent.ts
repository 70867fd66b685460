import { DECLARE_NOW, NOW_PLUS_DELAY } from '../sql-fragments';

/**
 * enqueue (the parameters of enqueue.ts) that inserts nothing when a row with @id exists: the
 * insert of a message whose id is derived from what it stands for (an occurrence of a schedule),
 * so every replica may send it. Two sessions may both pass the NOT EXISTS at once; the loser's
 * insert then fails on the primary key (2627, or 2601), which the store reads as "already there"
 * (no hint makes it wait instead: Babelfish ignores hints). Returns [Inserted] (the row count).
 */
export function enqueueIfAbsentSql(table: string): string {
  return `${DECLARE_NOW}
INSERT INTO ${table}
  (Id, TenantId, MessageType, Payload, ScheduledTime, ProcessingAttempts, Status, CorrelationId, CreatedAt, Priority)
SELECT @id, @tenantId, @messageType, @payload, ${NOW_PLUS_DELAY}, 0, N'Pending', @correlationId, @now, @priority
WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE Id = @id);
SELECT @@ROWCOUNT AS [Inserted];`;
}
