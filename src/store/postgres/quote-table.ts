/**
 * Quoting of PostgreSQL identifiers. Table and schema names are the only SQL text that cannot be
 * a bind parameter, so every statement gets its table name from here and nowhere else.
 */

/** The queue table's name, exactly as EF Core + Npgsql create it (quoted PascalCase). */
export const QUEUE_TABLE = 'QueueMessages';

/** Bookkeeping of applied migrations, in the same schema as the queue table. */
export const MIGRATIONS_TABLE = 'QueueMigrations';

/** The error history beside the queue table (one row per failed attempt). */
export const ERRORS_TABLE = 'QueueMessageErrors';

/** The tenant's pause switches beside the queue table (tqw pause / tqw resume). */
export const PAUSES_TABLE = 'QueuePauses';

/** The token buckets of the tenant's rate limits beside the queue table (limited claims). */
export const LIMITS_TABLE = 'QueueLimits';
/** The last handled occurrence of each recurring schedule, beside the queue table. */
export const SCHEDULES_TABLE = 'QueueSchedules';

/**
 * Quotes one identifier: wraps it in double quotes and doubles embedded quotes, the only
 * escaping PostgreSQL needs (the same as `quote_ident`). A NUL byte cannot be sent at all.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new TypeError('a PostgreSQL identifier cannot be empty');
  if (name.includes('\u0000')) throw new TypeError('a PostgreSQL identifier cannot contain a NUL character');
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * `"schema"."QueueMessages"`, or `"QueueMessages"` (resolved through the connection's search_path)
 * when the tenant has no schema. `table` defaults to the queue table.
 */
export function quoteTable(schema: string | undefined, table: string = QUEUE_TABLE): string {
  return schema === undefined ? quoteIdent(table) : `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * Quotes a string literal: single quotes doubled (standard_conforming_strings is on, the default
 * since PostgreSQL 9.1, so backslashes are plain characters). A NUL byte cannot be sent at all.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new TypeError('a PostgreSQL string cannot contain a NUL character');
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * The table `name` beside a queue table as quoteTable() (or a group's qualified name) wrote it:
 * the same qualifiers with the last part replaced, so a group statement can name each tenant's
 * pause table from the queue table it was given.
 */
export function siblingTable(queueTable: string, name: string): string {
  const last = quoteIdent(QUEUE_TABLE);
  if (!queueTable.endsWith(last)) throw new TypeError(`not a queue table name: ${queueTable}`);
  return queueTable.slice(0, -last.length) + quoteIdent(name);
}
