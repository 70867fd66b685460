/**
 * enqueue with a dedupe key ($8): the enqueue INSERT ($1..$7 as enqueue.ts) that does nothing when
 * a message with this key is not yet Completed or DeadLetter (ON CONFLICT on the partial unique
 * index "UX_QueueMessages_DedupeKey": a concurrent producer's uncommitted row with the key makes this
 * statement wait for its transaction). RETURNING "Id" only when it inserted.
 */
export function enqueueDedupedSql(table: string): string {
  return `INSERT INTO ${table}
  ("Id", "TenantId", "MessageType", "Payload", "ScheduledTime", "ProcessingAttempts", "Status", "CorrelationId", "CreatedAt", "Priority", "DedupeKey")
VALUES
  ($1::uuid, $2::varchar, $3::varchar, $4::text, now() + $5::double precision * interval '1 millisecond', 0, 'Pending', $6::uuid, now(), $7::integer, $8::varchar)
ON CONFLICT ("DedupeKey") WHERE "DedupeKey" IS NOT NULL AND "Status" NOT IN ('Completed', 'DeadLetter') DO NOTHING
RETURNING "Id"`;
}

/** The message that holds dedupe key $1 (not yet Completed or DeadLetter), found through the same index. */
export function findByDedupeKeySql(table: string): string {
  return `SELECT "Id" FROM ${table}
WHERE "DedupeKey" = $1::varchar AND "Status" NOT IN ('Completed', 'DeadLetter')`;
}
