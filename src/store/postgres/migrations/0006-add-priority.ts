import type { PostgresMigration } from './types';

/**
 * "Priority" integer NULL (NULL counts as 0, higher first): a new, nullable column, so producers
 * that write only the article's columns keep working, and older workers ignore it.
 * "IX_QueueMessages_DuePriority": the claim's due-work walk in its order, COALESCE("Priority", 0)
 * DESC then "ScheduledTime", over Pending/Failed rows only, with "MessageType" in the key so the
 * served-types filter is checked in the index without visiting rows of other types.
 * "IX_QueueMessages_Due" stays: the readiness probe's min("ScheduledTime"), depth(), and the claim
 * of workers from before this migration (rolling deploys) use it.
 */
export const addPriority: PostgresMigration = {
  id: '0006-add-priority',
  statements: (table) => [
    `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS "Priority" integer NULL`,
    `CREATE INDEX IF NOT EXISTS "IX_QueueMessages_DuePriority" ON ${table} ((COALESCE("Priority", 0)) DESC, "ScheduledTime", "MessageType")
  WHERE "Status" IN ('Pending', 'Failed')`,
  ],
};
