/**
 * enqueue (parameters $1..$7 as enqueue.ts) that inserts nothing when a row with the Id exists:
 * the insert of a message whose id is derived from what it stands for (an occurrence of a
 * schedule), so every replica may send it. ON CONFLICT ("Id") on the primary key: a concurrent
 * insert of the same id makes this one wait for its transaction, then do nothing. RETURNING "Id"
 * only when it inserted.
 */
export function enqueueIfAbsentSql(table: string): string {
  return `INSERT INTO ${table}
  ("Id", "TenantId", "MessageType", "Payload", "ScheduledTime", "ProcessingAttempts", "Status", "CorrelationId", "CreatedAt", "Priority")
VALUES
  ($1::uuid, $2::varchar, $3::varchar, $4::text, now() + $5::double precision * interval '1 millisecond', 0, 'Pending', $6::uuid, now(), $7::integer)
ON CONFLICT ("Id") DO NOTHING
RETURNING "Id"`;
}
