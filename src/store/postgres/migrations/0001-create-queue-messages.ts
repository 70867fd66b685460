import type { PostgresMigration } from './types';

/**
 * The article's table with the names and types EF Core + Npgsql create (quoted PascalCase,
 * uuid, timestamptz), so applications that already write rows keep working.
 * - "Payload" is text, not jsonb: a producer may write invalid JSON, and we must be able to store
 *   that row to dead-letter it; jsonb would reject the INSERT and lose the message.
 * - The CHECK keeps Status to the five values the worker understands.
 * - No (TenantId, ScheduledTime, Status) index from the article: its leading column is the same for
 *   every row of a tenant's table and it includes every Completed row; 0002 adds partial indexes.
 */
export const createQueueMessages: PostgresMigration = {
  id: '0001-create-queue-messages',
  statements: (table) => [
    `CREATE TABLE IF NOT EXISTS ${table} (
  "Id" uuid NOT NULL DEFAULT gen_random_uuid(),
  "TenantId" varchar(50) NOT NULL,
  "MessageType" varchar(255) NOT NULL,
  "Payload" text NOT NULL,
  "ScheduledTime" timestamptz NOT NULL DEFAULT now(),
  "DequeueTime" timestamptz NULL,
  "ProcessingAttempts" integer NOT NULL DEFAULT 0,
  "LastAttemptTime" timestamptz NULL,
  "Status" varchar(50) NOT NULL DEFAULT 'Pending',
  "ErrorMessage" text NULL,
  "CorrelationId" uuid NULL,
  "CreatedAt" timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT "PK_QueueMessages" PRIMARY KEY ("Id"),
  CONSTRAINT "CK_QueueMessages_Status"
    CHECK ("Status" IN ('Pending', 'Processing', 'Completed', 'Failed', 'DeadLetter'))
)`,
  ],
};
