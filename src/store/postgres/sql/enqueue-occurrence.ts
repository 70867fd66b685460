/**
 * One occurrence of a schedule in one statement, so it is atomic without a transaction:
 * $1..$7 as enqueue.ts (the message), $8 the schedule's name, $9 the occurrence, $10 whether to
 * insert the message.
 * - "seeded": a schedule without a row gets one at this occurrence and nothing is inserted (a new
 *   schedule does not backfill). Every CTE reads the statement's snapshot, so "advanced" cannot
 *   see a row "seeded" just wrote: never both.
 * - "advanced": the row's LastOccurrence moves forward only if it was earlier. A replica sending
 *   the same occurrence at the same moment waits for the row lock, re-checks the WHERE on the
 *   committed row and updates nothing: exactly one replica advances.
 * - "inserted": only after advancing, ON CONFLICT ("Id") DO NOTHING as enqueue-if-absent.ts.
 */
export function enqueueOccurrenceSql(table: string, schedules = '"QueueSchedules"'): string {
  return `WITH seeded AS (
  INSERT INTO ${schedules} ("Name", "LastOccurrence", "UpdatedAt")
  VALUES ($8::varchar, $9::timestamptz, now())
  ON CONFLICT ("Name") DO NOTHING
  RETURNING 1
), advanced AS (
  UPDATE ${schedules} SET "LastOccurrence" = $9::timestamptz, "UpdatedAt" = now()
  WHERE "Name" = $8::varchar AND "LastOccurrence" < $9::timestamptz
  RETURNING 1
), inserted AS (
  INSERT INTO ${table}
    ("Id", "TenantId", "MessageType", "Payload", "ScheduledTime", "ProcessingAttempts", "Status", "CorrelationId", "CreatedAt", "Priority")
  SELECT $1::uuid, $2::varchar, $3::varchar, $4::text, now() + $5::double precision * interval '1 millisecond', 0, 'Pending', $6::uuid, now(), $7::integer
  WHERE $10::boolean AND EXISTS (SELECT 1 FROM advanced)
  ON CONFLICT ("Id") DO NOTHING
  RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM seeded) AS "Seeded", EXISTS (SELECT 1 FROM advanced) AS "Advanced", EXISTS (SELECT 1 FROM inserted) AS "Inserted"`;
}
