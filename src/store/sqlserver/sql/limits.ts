import { DECLARE_NOW } from '../sql-fragments';

/**
 * The statements of a limited claim (claimLimited), all in one transaction. `limits` is the
 * tenant's [QueueLimits] (migration 0009).
 */

/**
 * Takes the tenant's limit lock (sp_getapplock on @lockResource, owned by the transaction, so every
 * replica's limited claim of this tenant waits for the one before it to commit; an application lock
 * because Babelfish ignores the row-lock hints), creates missing buckets of @scopes full
 * (@capacities, parallel JSON arrays), and reads them with the time since each was written. The
 * elapsed time is capped at a day (a full bucket by then; DATEDIFF in ms would overflow after 24 days).
 */
export function lockBucketsSql(limits: string): string {
  return `${DECLARE_NOW}
DECLARE @lock INT;
EXEC @lock = sp_getapplock @Resource = @lockResource, @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = @lockTimeoutMs;
IF @lock < 0 THROW 51000, N'tqw: could not take the tenant''s limit lock (another replica holds it)', 1;
INSERT INTO ${limits} (Scope, Tokens, UpdatedAt)
SELECT s.value, CAST(c.value AS FLOAT), @now
FROM OPENJSON(@scopes) AS s JOIN OPENJSON(@capacities) AS c ON c.[key] = s.[key]
WHERE NOT EXISTS (SELECT 1 FROM ${limits} AS l WHERE l.Scope = s.value);
SELECT Scope, Tokens,
  CASE WHEN UpdatedAt < DATEADD(day, -1, @now) THEN 86400000 ELSE DATEDIFF(millisecond, UpdatedAt, @now) END AS ElapsedMs,
  @now AS [Now]
FROM ${limits}
WHERE Scope IN (SELECT value FROM OPENJSON(@scopes));`;
}

/**
 * Messages running now, by type: Processing with an unexpired lease (@leaseMs). Read under the lock,
 * so claims of replicas that held it before are seen. Plain READ COMMITTED: a row whose
 * transactional handler is running is counted as running (without READ_COMMITTED_SNAPSHOT the read
 * waits for that transaction; README, "Rate limits and concurrency caps").
 */
export function runningByTypeSql(table: string): string {
  return `${DECLARE_NOW}
SELECT MessageType, COUNT(*) AS Running FROM ${table}
WHERE Status = N'Processing' AND DequeueTime > DATEADD(millisecond, -@leaseMs, @now)
GROUP BY MessageType;`;
}

/** Stores the buckets: @scopes and @tokens (parallel JSON arrays) as of @asOf (the lock's clock). */
export function saveBucketsSql(limits: string): string {
  return `UPDATE ${limits}
SET Tokens = (SELECT CAST(c.value AS FLOAT) FROM OPENJSON(@scopes) AS s JOIN OPENJSON(@tokens) AS c ON c.[key] = s.[key] WHERE s.value = Scope),
    UpdatedAt = @asOf
WHERE Scope IN (SELECT value FROM OPENJSON(@scopes));`;
}
