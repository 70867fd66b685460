/**
 * The pause rule of every statement that finds work (the claim, the readiness probe): a row is left
 * alone while its tenant is paused (a '' row in `pauses`, the tenant's "QueuePauses") or its type is.
 * - Both subqueries are uncorrelated, so PostgreSQL runs each once per statement (an InitPlan over a
 *   table of a few rows): the tenant switch becomes a one-time filter, the type switches a comparison
 *   with an array, usually empty.
 * - `|| ''` keeps the planner from estimating the type comparison from "MessageType"'s statistics:
 *   with few distinct types it would guess that almost no row passes `<> ALL (unknown array)` and
 *   trade the claim's ordered index walk for a scan and sort of every due row.
 * A paused type's rows are still walked past (they stay in the due index); figures:
 * docs/performance.md, "Pause".
 */
export function notPausedCondition(pauses: string, column = '"MessageType"'): string {
  return `NOT EXISTS (SELECT 1 FROM ${pauses} WHERE "MessageType" = '')
    AND ${column} || '' <> ALL (ARRAY(SELECT "MessageType" FROM ${pauses}))`;
}
