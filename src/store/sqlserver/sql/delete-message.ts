import { SELECT_ROWCOUNT } from '../sql-fragments';

/**
 * Operator's delete of one message (@id), only while its Status is one of @statuses (console:
 * DeadLetter, Failed, Pending; `tqw cancel`: Pending, Failed). Fenced as requeue-message.ts.
 */
export function deleteMessageSql(table: string): string {
  return `DELETE FROM ${table}
WHERE Id = @id
  AND Status IN (SELECT AllowedStatus FROM OPENJSON(@statuses) WITH (AllowedStatus NVARCHAR(50) '$'));
${SELECT_ROWCOUNT}`;
}
