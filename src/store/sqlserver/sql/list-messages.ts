import { MESSAGE_PREVIEW_CHARS } from '../../types';

/**
 * A page of a table's messages for the operator console, newest first by Id (ids are time-ordered in
 * SQL Server's uniqueidentifier order, see message-id.ts): keyset pagination, `Id < @after` after
 * the last id of the previous page, a backward seek of the clustered key from there, so a deep page
 * costs what the first does (an OFFSET would read and discard every earlier row). Two statements,
 * first page and later pages, so the cached plan of the later pages always seeks on @after.
 * Optional filters (NULL: any): @status, @type, @q (a uuid matching Id or CorrelationId), @dedupeKey (matching DedupeKey;
 * the console's search passes both). Payload and
 * ErrorMessage are previews (MESSAGE_PREVIEW_CHARS); getMessage returns the whole row.
 */
const COLUMNS = `Id, TenantId, MessageType, LEFT(Payload, ${MESSAGE_PREVIEW_CHARS}) AS Payload, ScheduledTime, DequeueTime,
  ProcessingAttempts, LastAttemptTime, Status, LEFT(ErrorMessage, ${MESSAGE_PREVIEW_CHARS}) AS ErrorMessage, CorrelationId, CreatedAt`;

const FILTERS = `(@status IS NULL OR Status = @status)
  AND (@type IS NULL OR MessageType = @type)
  AND ((@q IS NULL AND @dedupeKey IS NULL) OR Id = @q OR CorrelationId = @q OR DedupeKey = @dedupeKey)`;

export function listMessagesSql(table: string): string {
  return `SELECT TOP (@limit) ${COLUMNS}
FROM ${table}
WHERE ${FILTERS}
ORDER BY Id DESC;`;
}

export function listMessagesAfterSql(table: string): string {
  return `SELECT TOP (@limit) ${COLUMNS}
FROM ${table}
WHERE Id < @after
  AND ${FILTERS}
ORDER BY Id DESC;`;
}
