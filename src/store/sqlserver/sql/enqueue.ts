import { DECLARE_NOW, NOW_PLUS_DELAY } from '../sql-fragments';

/**
 * Inserts a new Pending message: @id, @tenantId, @messageType, @payload (JSON text), the delay from
 * the database's now (@delaySeconds + @delayMillis), @correlationId, @priority (NULL: 0).
 * Every NOT NULL column is written explicitly rather than left to column defaults, so the insert
 * also works on a QueueMessages table an application created itself (the article's table has no
 * default for Status). This is also the plain INSERT a .NET producer can copy.
 */
export function enqueueSql(table: string): string {
  return `${DECLARE_NOW}
INSERT INTO ${table}
  (Id, TenantId, MessageType, Payload, ScheduledTime, ProcessingAttempts, Status, CorrelationId, CreatedAt, Priority)
VALUES
  (@id, @tenantId, @messageType, @payload, ${NOW_PLUS_DELAY}, 0, N'Pending', @correlationId, @now, @priority);`;
}
