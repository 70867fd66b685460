/**
 * Completes a batch of claims in ONE statement (non-transactional handlers finish in bursts).
 * $1 uuid[], $2 timestamptz[], $3 integer[] are parallel arrays of fences; unnest zips them into rows
 * joined to the table by primary key, each row still checked against its own fence. RETURNING "Id"
 * tells which fences matched (the others lost their lease).
 */
export function completeManySql(table: string): string {
  return `UPDATE ${table} AS q
SET "Status" = 'Completed', "ErrorMessage" = NULL
FROM unnest($1::uuid[], $2::timestamptz[], $3::integer[]) AS f("Id", "DequeueTime", "ProcessingAttempts")
WHERE q."Id" = f."Id"
  AND q."Status" = 'Processing'
  AND q."DequeueTime" = f."DequeueTime"
  AND q."ProcessingAttempts" = f."ProcessingAttempts"
RETURNING q."Id"`;
}
