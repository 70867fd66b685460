/**
 * Inserts a new Pending message: $1 Id, $2 TenantId, $3 MessageType, $4 Payload (JSON text),
 * $5 delay in ms from the database's now(), $6 CorrelationId, $7 Priority (NULL: 0).
 * Every NOT NULL column is written explicitly rather than left to column defaults, so the insert
 * also works on a QueueMessages table that an application created itself (e.g. an EF Core
 * migration without our defaults).
 */
export function enqueueSql(table: string): string {
  return `INSERT INTO ${table}
  ("Id", "TenantId", "MessageType", "Payload", "ScheduledTime", "ProcessingAttempts", "Status", "CorrelationId", "CreatedAt", "Priority")
VALUES
  ($1::uuid, $2::varchar, $3::varchar, $4::text, now() + $5::double precision * interval '1 millisecond', 0, 'Pending', $6::uuid, now(), $7::integer)`;
}
