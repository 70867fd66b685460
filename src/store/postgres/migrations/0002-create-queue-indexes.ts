import type { PostgresMigration } from './types';

/**
 * Partial indexes: each holds only the rows one query needs, so they stay small while Completed
 * history grows to millions of rows. Index names are schema-local (one set per tenant schema).
 * Built inside the migration transaction (not CONCURRENTLY): on a large pre-existing table this
 * blocks writes while it builds; run `tqw migrate` off-peak there.
 */
export const createQueueIndexes: PostgresMigration = {
  id: '0002-create-queue-indexes',
  statements: (table) => [
    // Due work, first branch of the claim: Pending and Failed (retries) by ScheduledTime, walked in
    // order so ORDER BY ... LIMIT stops after the batch. Also counts Pending/Failed for depth().
    `CREATE INDEX IF NOT EXISTS "IX_QueueMessages_Due" ON ${table} ("ScheduledTime")
  WHERE "Status" IN ('Pending', 'Failed')`,
    // Expired leases, second branch of the claim: only in-flight rows, by DequeueTime. Also counts
    // Processing for depth().
    `CREATE INDEX IF NOT EXISTS "IX_QueueMessages_Lease" ON ${table} ("DequeueTime")
  WHERE "Status" = 'Processing'`,
    // Dead letters: depth() count, listDeadLetters (newest first) and their purge, by the same
    // expression those queries use.
    `CREATE INDEX IF NOT EXISTS "IX_QueueMessages_DeadLetter" ON ${table} ((COALESCE("LastAttemptTime", "CreatedAt")))
  WHERE "Status" = 'DeadLetter'`,
    // Retention of Completed rows: purge finds the oldest ones without scanning the table.
    `CREATE INDEX IF NOT EXISTS "IX_QueueMessages_Retention" ON ${table} ((COALESCE("LastAttemptTime", "CreatedAt")))
  WHERE "Status" = 'Completed'`,
  ],
};
