/**
 * Quoting of SQL Server identifiers and string literals. Table and schema names are the only SQL
 * text that cannot be a bind parameter, so every statement gets its table name from here and
 * nowhere else.
 */

/** The queue table's name, exactly as the article (and EF Core) create it. */
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

/** SQL Server identifiers (sysname) are at most 128 characters. */
const MAX_IDENTIFIER_LENGTH = 128;

/**
 * Quotes one identifier with brackets, doubling embedded `]` (what QUOTENAME() does). Works on
 * SQL Server and Babelfish whatever QUOTED_IDENTIFIER is set to, unlike "double quotes".
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new TypeError('a SQL Server identifier cannot be empty');
  if (name.length > MAX_IDENTIFIER_LENGTH) {
    throw new TypeError(`a SQL Server identifier is at most ${MAX_IDENTIFIER_LENGTH} characters, got ${name.length}`);
  }
  if (name.includes('\u0000')) throw new TypeError('a SQL Server identifier cannot contain a NUL character');
  return `[${name.replace(/]/g, ']]')}]`;
}

/**
 * `[schema].[QueueMessages]`, or `[QueueMessages]` (resolved through the login's default schema,
 * usually dbo) when the tenant has no schema. `table` defaults to the queue table.
 */
export function quoteTable(schema: string | undefined, table: string = QUEUE_TABLE): string {
  return schema === undefined ? quoteIdent(table) : `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * A Unicode string literal (N'...', embedded quotes doubled): T-SQL has no backslash escapes, so
 * doubling `'` is the whole escaping. Used only for object names inside OBJECT_ID(N'...') checks.
 */
export function quoteLiteral(text: string): string {
  if (text.includes('\u0000')) throw new TypeError('a T-SQL string literal cannot contain a NUL character');
  return `N'${text.replace(/'/g, "''")}'`;
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
