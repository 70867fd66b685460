/**
 * The statements of a limited claim (claimLimited), all in one transaction on one connection.
 * `limits` is the tenant's "QueueLimits" (migration 0011).
 */

/**
 * Locks the buckets of scopes $1 (sorted: every replica locks in the same order, so two never
 * deadlock), creating missing ones full ($2: their capacities). ON CONFLICT DO UPDATE takes the row
 * lock and RETURNING shows the latest committed bucket, so a replica that waited for another's claim
 * reads what that one left. The '' scope is always among them: it is the tenant's lock, rate or not.
 * clock_timestamp(), not now(): now() is this transaction's start, which may be before the wait.
 */
export function lockBucketsSql(limits: string): string {
  return `INSERT INTO ${limits} AS l ("Scope", "Tokens", "UpdatedAt")
SELECT b."Scope", b."Capacity", clock_timestamp()
FROM unnest($1::text[], $2::double precision[]) AS b("Scope", "Capacity")
ORDER BY b."Scope"
ON CONFLICT ("Scope") DO UPDATE SET "Scope" = EXCLUDED."Scope"
RETURNING l."Scope", l."Tokens", (extract(epoch FROM clock_timestamp() - l."UpdatedAt") * 1000)::double precision AS "ElapsedMs",
  clock_timestamp() AS "Now"`;
}

/**
 * Messages running now, by type: Processing with an unexpired lease ($1 = lease in ms), from
 * "IX_QueueMessages_Lease". Read after the lock, so claims of replicas that held it before are seen.
 */
export function runningByTypeSql(table: string): string {
  return `SELECT "MessageType", count(*)::integer AS "Running" FROM ${table}
WHERE "Status" = 'Processing' AND "DequeueTime" > clock_timestamp() - $1::double precision * interval '1 millisecond'
GROUP BY "MessageType"`;
}

/** Stores the buckets: scopes $1, tokens $2, as of $3 (the lock's clock, from which they were computed). */
export function saveBucketsSql(limits: string): string {
  return `UPDATE ${limits} AS l SET "Tokens" = b."Tokens", "UpdatedAt" = $3::timestamptz
FROM unnest($1::text[], $2::double precision[]) AS b("Scope", "Tokens")
WHERE l."Scope" = b."Scope"`;
}
