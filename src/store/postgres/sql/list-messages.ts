import { MESSAGE_PREVIEW_CHARS } from '../../types';

/**
 * A page of a table's messages for the operator console, newest first by "Id" (ids are time-ordered,
 * see message-id.ts): keyset pagination, `"Id" < $4` after the last id of the previous page, so a
 * deep page costs what the first one does (an OFFSET would read and discard every earlier row).
 * Filters are optional (NULL: any): $1 status, $2 message type, $3 a uuid matching Id or
 * CorrelationId, $6 a text matching DedupeKey (the console's search passes both); $5 is the page size. Payload and ErrorMessage come back as previews
 * (MESSAGE_PREVIEW_CHARS): the page lists, the detail (getMessage) shows everything.
 * Unnamed statements are planned with their values, so a NULL filter folds away and the primary key
 * (or the partial status indexes) serve the order.
 */
export function listMessagesSql(table: string): string {
  return `SELECT "Id", "TenantId", "MessageType", left("Payload", ${MESSAGE_PREVIEW_CHARS}) AS "Payload", "ScheduledTime",
  "DequeueTime", "ProcessingAttempts", "LastAttemptTime", "Status", left("ErrorMessage", ${MESSAGE_PREVIEW_CHARS}) AS "ErrorMessage",
  "CorrelationId", "CreatedAt"
FROM ${table}
WHERE ($1::text IS NULL OR "Status" = $1::text)
  AND ($2::text IS NULL OR "MessageType" = $2::text)
  AND (($3::uuid IS NULL AND $6::text IS NULL) OR "Id" = $3::uuid OR "CorrelationId" = $3::uuid OR "DedupeKey" = $6::text)
  AND ($4::uuid IS NULL OR "Id" < $4::uuid)
ORDER BY "Id" DESC
LIMIT $5`;
}
