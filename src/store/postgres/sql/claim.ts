import { asyncCommitCondition } from './async-commit';
import { newDequeueTime } from './fence';
import { notPausedCondition } from './not-paused';

/**
 * Claims up to $1 due rows in ONE autocommitted statement; $2 = lease in milliseconds.
 *
 * Why this shape:
 * - Priority: due work is taken highest COALESCE("Priority", 0) first, then oldest ScheduledTime,
 *   walking "IX_QueueMessages_DuePriority" in that order (NULL, the article's producers, counts as 0).
 * - Due work comes from two CTEs joined by UNION ALL instead of one OR, so each walks its own small
 *   partial index in order and stops after $1 rows: "IX_QueueMessages_Due" (Pending/Failed
 *   by ScheduledTime) and "IX_QueueMessages_Lease" (Processing by DequeueTime; expired leases, i.e.
 *   messages of crashed workers). Completed rows are in neither index, so the claim's cost does not
 *   grow with history.
 * - FOR UPDATE SKIP LOCKED in each CTE (PostgreSQL allows no FOR UPDATE inside a UNION itself):
 *   concurrent claimers never wait for each other and never get the same row; rows locked by a
 *   running claim transaction (withClaimTransaction) are skipped even after their lease expired. The CTEs lock up to $1 + 1 rows; the few that `picked` drops are
 *   unlocked when this statement commits.
 * - MATERIALIZED: the locking SELECTs run exactly once, before the UPDATE.
 * - The UPDATE finds the picked rows by primary key, `"Id" = ANY (ARRAY(SELECT ...))`: an index scan
 *   with one lookup per picked id. Written as a join to `picked`, the planner may choose a hash
 *   join over a scan of the WHOLE table, Completed history included, for every claim.
 *   Figures: docs/performance.md, "Claim: primary-key lookup instead of a join".
 * - At most ONE expired lease per claim: such a message's previous attempt never finished, maybe
 *   because it kills its worker. The worker runs it alone (ClaimedMessage.reclaimed); taking one at
 *   a time keeps the others unclaimed meanwhile, so if it kills this worker too, no other message
 *   gets an attempt counted for nothing (and dead-lettered after maxAttempts without having failed).
 * - `byType`: $3 is the list of message types the worker's handlers serve; other types stay where
 *   they are (Pending, or a lease another deployment's worker holds), for a worker that serves them.
 *   The filter is a condition on the same index walk (the claim stays one indexed statement).
 * - `pauses` (the tenant's "QueuePauses"): rows of a paused tenant or type are left Pending, and
 *   expired leases of them are not taken over either (see not-paused.ts).
 * - No TenantId filter: a row a producer wrote with another tenant's id must still be claimed so the
 *   worker can dead-letter it (and log it as a security event) instead of leaving it forever.
 * - Times come from the database clock (now()), so workers with skewed clocks agree on leases.
 *   Claiming counts the attempt (ProcessingAttempts + 1) even if the worker then crashes.
 * RETURNING names the columns the worker uses (CLAIM_COLUMNS, in that order), not q.*: Status is Processing and LastAttemptTime
 * equals DequeueTime by this very statement, and formatting (and parsing) two more values per row
 * is measurable at hundreds of rows per claim.
 * "TqwReclaimed" tells rows taken over from an expired lease (their previous claim never recorded
 * an outcome) from due work; the worker runs those alone (see ClaimedMessage.reclaimed). It is the
 * row's membership in `expired_leases` (at most one row, so a one-entry hashed subplan).
 * RETURNING order is unspecified; the store sorts the claimed rows by priority, then ScheduledTime.
 * `asyncCommit`: see async-commit.ts (StoreOptions.asyncCommit).
 */
export function claimSql(table: string, pauses: string, asyncCommit = false, byType = false): string {
  const served = `${byType ? `\n    AND "MessageType" = ANY ($3::text[])` : ''}\n    AND ${notPausedCondition(pauses)}`;
  return `WITH due_work AS MATERIALIZED (
  SELECT "Id", COALESCE("Priority", 0) AS "Priority", "ScheduledTime" FROM ${table}
  WHERE "Status" IN ('Pending', 'Failed') AND "ScheduledTime" <= now()${served}
  ORDER BY COALESCE("Priority", 0) DESC, "ScheduledTime"
  LIMIT $1
  FOR UPDATE SKIP LOCKED
),
expired_leases AS MATERIALIZED (
  SELECT "Id", COALESCE("Priority", 0) AS "Priority", "ScheduledTime" FROM ${table}
  WHERE "Status" = 'Processing' AND "DequeueTime" <= now() - $2::double precision * interval '1 millisecond'${served}
  ORDER BY "DequeueTime"
  LIMIT 1
  FOR UPDATE SKIP LOCKED
),
picked AS (
  SELECT "Id" FROM (SELECT * FROM due_work UNION ALL SELECT * FROM expired_leases) AS due
  ORDER BY "Priority" DESC, "ScheduledTime"
  LIMIT $1
)
UPDATE ${table} AS q
SET "Status" = 'Processing',
    "DequeueTime" = ${newDequeueTime('q."DequeueTime"')},
    "LastAttemptTime" = ${newDequeueTime('q."DequeueTime"')},
    "ProcessingAttempts" = q."ProcessingAttempts" + 1
WHERE q."Id" = ANY (ARRAY(SELECT "Id" FROM picked))${asyncCommitCondition(asyncCommit)}
RETURNING q."Id", q."TenantId", q."MessageType", q."Payload", q."ScheduledTime", q."DequeueTime",
  q."ProcessingAttempts", q."ErrorMessage", q."CorrelationId", q."CreatedAt", COALESCE(q."Priority", 0) AS "Priority",
  q."Id" IN (SELECT "Id" FROM expired_leases) AS "TqwReclaimed"`;
}

/**
 * The claim's RETURNING columns, in order. The store reads claimed rows as arrays (node-postgres'
 * rowMode 'array': no keyed object built per row) and maps them by these positions
 * (row-mapper.ts, toClaimedMessage); it checks each answer's column names against this list.
 */
export const CLAIM_COLUMNS = [
  'Id',
  'TenantId',
  'MessageType',
  'Payload',
  'ScheduledTime',
  'DequeueTime',
  'ProcessingAttempts',
  'ErrorMessage',
  'CorrelationId',
  'CreatedAt',
  'Priority',
  'TqwReclaimed',
] as const;
