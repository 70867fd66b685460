/**
 * Operator's delete of one message ($1), only while its Status is one of $2 (console: DeadLetter,
 * Failed, Pending; `tqw cancel`: Pending, Failed). Fenced as requeue-message.ts: a held message is
 * Processing and never matches.
 */
export function deleteMessageSql(table: string): string {
  return `DELETE FROM ${table}
WHERE "Id" = $1::uuid AND "Status" = ANY ($2::text[])`;
}
